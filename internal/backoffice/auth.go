package backoffice

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/doorstep-post/doorstep/internal/clientip"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
)

// loginPage is the login form, fresh or with why the last try failed.
type loginPage struct {
	base
	Fields map[string]field
	Next   string
	Error  string // why the login was refused
	Notice string // why the person is here: logged out, session ended
}

var loginFields = []string{staff.FieldUsername, staff.FieldPassword}

// readForm parses a posted form of at most MaxFormBytes. If it cannot, it answers so and
// returns false.
func (s *BackOffice) readForm(w http.ResponseWriter, r *http.Request, u *user) bool {
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.renderMessage(w, r, http.StatusBadRequest, u, "Form not sent", "We could not read the form, so nothing was done. Please try again.")
		return false
	}
	return true
}

// loginForm shows the login form, or sends someone already logged in on.
func (s *BackOffice) loginForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	next := safeNext(q.Get("next"))
	if id, at, ok := s.sessionAccount(r.Context()); ok {
		if a, err := s.desk.SessionAccount(r.Context(), id, at); err == nil {
			http.Redirect(w, r, cmp.Or(next, homePath(a)), http.StatusSeeOther)
			return
		}
	}
	page := &loginPage{base: s.base(r, nil, "Staff login", ""), Fields: fields(nil, nil, loginFields...), Next: next}
	switch {
	case q.Get("out") == "1":
		page.Notice = "You have logged out."
	case q.Get("ended") == "1":
		page.Notice = "Your session has ended (your password was changed, or your account disabled). Please log in again."
	case next != "":
		page.Notice = "Please log in to see that page."
	}
	s.render(w, r, http.StatusOK, "login", page)
}

// login checks the username and password and starts a session.
func (s *BackOffice) login(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r, nil) {
		return
	}
	ctx := r.Context()
	next := safeNext(r.PostForm.Get("next"))
	account, err := s.desk.Login(ctx, r.PostForm.Get(staff.FieldUsername), r.PostForm.Get(staff.FieldPassword), clientip.Of(r))
	var refused staff.LoginError
	switch {
	case errors.As(err, &refused):
		// The messages are written for the person logging in; the password is not kept.
		typed := url.Values{staff.FieldUsername: {r.PostForm.Get(staff.FieldUsername)}}
		s.render(w, r, http.StatusUnprocessableEntity, "login", &loginPage{base: s.base(r, nil, "Error: Staff login", ""),
			Fields: fields(typed, nil, loginFields...), Next: next, Error: err.Error()})
		return
	case err != nil:
		s.fail(w, r, nil, "login", err)
		return
	}
	// Authenticated now: a password change from here on ends this session, one before does not.
	if err := s.startSession(ctx, account.ID, time.Now()); err != nil {
		s.fail(w, r, nil, "start session", err)
		return
	}
	http.Redirect(w, r, cmp.Or(next, homePath(account)), http.StatusSeeOther)
}

// logout ends the session, and says so in the audit log.
func (s *BackOffice) logout(w http.ResponseWriter, r *http.Request, u *user) {
	if err := s.desk.Audit(r.Context(), u.Actor, "logout", u.Account.Username, ""); err != nil {
		s.fail(w, r, u, "audit logout", err)
		return
	}
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, u, "end session", err)
		return
	}
	http.Redirect(w, r, "/staff/login?out=1", http.StatusSeeOther)
}

// passwordPage is the form to change one's own password.
type passwordPage struct {
	base
	Fields map[string]field
}

const (
	fieldCurrentPassword = "current_password"
	fieldPasswordAgain   = "password_again"
)

var passwordFields = []string{fieldCurrentPassword, staff.FieldPassword, fieldPasswordAgain}

func (s *BackOffice) passwordForm(w http.ResponseWriter, r *http.Request, u *user) {
	s.render(w, r, http.StatusOK, "password", &passwordPage{base: s.base(r, u, "Change your password", navPassword),
		Fields: fields(nil, nil, passwordFields...)})
}

// changePassword sets a new password. It ends the account's other sessions and renews this
// one, so that the person stays logged in here.
func (s *BackOffice) changePassword(w http.ResponseWriter, r *http.Request, u *user) {
	if !s.readForm(w, r, u) {
		return
	}
	form := r.PostForm
	next := form.Get(staff.FieldPassword)
	var changedAt time.Time
	var err error
	if next != form.Get(fieldPasswordAgain) {
		err = &request.ValidationError{Fields: request.FieldErrors{fieldPasswordAgain: "The two new passwords are not the same."}}
	} else {
		changedAt, err = s.desk.ChangeOwnPassword(r.Context(), u.Actor, form.Get(fieldCurrentPassword), next)
	}
	var invalid *request.ValidationError
	if errors.As(err, &invalid) {
		// No password is sent back into the page.
		s.render(w, r, http.StatusUnprocessableEntity, "password", &passwordPage{
			base: s.base(r, u, "Error: Change your password", navPassword), Fields: fields(nil, invalid.Fields, passwordFields...)})
		return
	}
	if err != nil {
		s.fail(w, r, u, "change password", err)
		return
	}
	if err := s.startSession(r.Context(), u.Account.ID, changedAt); err != nil {
		s.fail(w, r, u, "renew session", err)
		return
	}
	s.setFlash(r.Context(), "Your password is changed. Your other sessions have ended.", false)
	http.Redirect(w, r, homePath(u.Account), http.StatusSeeOther)
}
