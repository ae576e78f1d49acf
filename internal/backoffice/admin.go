package backoffice

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
)

// accountsPage lists the accounts, with the form to make one.
type accountsPage struct {
	base
	Accounts []accountView
	Fields   map[string]field // the new account's form
	Roles    []option
	Units    []unitOption
	Summary  []string // what is wrong with the new account
}

type accountView struct {
	Username     string
	Role         string
	Unit         string
	Disabled     bool
	LockedUntil  time.Time // zero when not locked
	FailedLogins int
	Created      time.Time
	Self         bool
	URL          string // the prefix of the account's actions
	ResetError   string // the reset form came back with this
}

// unitOption is a unit an account can belong to, for the unit box's suggestions.
type unitOption struct {
	Name string
	Kind string
}

var accountFields = []string{staff.FieldUsername, staff.FieldRole, staff.FieldUnit, staff.FieldPassword}

// allUnits lists every Division, Region and Circle; the unit box suggests them all, since
// the role chosen beside it cannot narrow the list without a script.
func allUnits(d *desk.Desk) []unitOption {
	var out []unitOption
	for _, role := range []staff.Role{staff.RoleDivision, staff.RoleRegion, staff.RoleCircle} {
		for _, name := range staff.Units(d.Directory(), role) {
			out = append(out, unitOption{Name: name, Kind: role.Label()})
		}
	}
	return out
}

func (s *BackOffice) accounts(w http.ResponseWriter, r *http.Request, u *user) {
	s.renderAccounts(w, r, u, http.StatusOK, nil, nil, "", "")
}

// renderAccounts shows the accounts; form and errs are a new account that came back with
// mistakes, resetFor and resetErr a password reset that did.
func (s *BackOffice) renderAccounts(w http.ResponseWriter, r *http.Request, u *user, status int, form url.Values,
	errs request.FieldErrors, resetFor, resetErr string) {
	list, err := s.desk.Accounts(r.Context(), u.Actor)
	if err != nil {
		s.fail(w, r, u, "list accounts", err)
		return
	}
	title := "Accounts"
	if len(errs) > 0 || resetErr != "" {
		title = "Error: " + title
	}
	// Passwords are never sent back into the page.
	typed := url.Values{}
	for _, name := range []string{staff.FieldUsername, staff.FieldRole, staff.FieldUnit} {
		typed.Set(name, form.Get(name))
	}
	page := &accountsPage{base: s.base(r, u, title, navAccounts), Fields: fields(typed, errs, accountFields...),
		Units: s.units, Summary: messages(errs)}
	page.Roles = []option{{Value: "", Label: "Choose a role"}}
	for _, role := range staff.Roles {
		page.Roles = append(page.Roles, option{Value: string(role), Label: role.Label()})
	}
	selectValue(page.Roles, form.Get(staff.FieldRole))
	now := time.Now()
	for _, a := range list {
		v := accountView{Username: a.Username, Role: a.Role.Label(), Unit: a.Unit, Disabled: a.Disabled,
			FailedLogins: a.FailedLogins, Created: a.CreatedAt, Self: a.ID == u.Account.ID,
			URL: "/admin/accounts/" + url.PathEscape(a.Username)}
		if a.Locked(now) {
			v.LockedUntil = a.LockedUntil
		}
		if a.Username == resetFor {
			v.ResetError = resetErr
		}
		page.Accounts = append(page.Accounts, v)
	}
	s.render(w, r, status, "accounts", page)
}

// createAccount makes an account from the form.
func (s *BackOffice) createAccount(w http.ResponseWriter, r *http.Request, u *user) {
	if !s.readForm(w, r, u) {
		return
	}
	form := r.PostForm
	a, err := s.desk.CreateAccount(r.Context(), u.Actor, desk.NewAccount{Username: form.Get(staff.FieldUsername),
		Role: form.Get(staff.FieldRole), Unit: form.Get(staff.FieldUnit), Password: form.Get(staff.FieldPassword)})
	var invalid *request.ValidationError
	if errors.As(err, &invalid) {
		s.renderAccounts(w, r, u, http.StatusUnprocessableEntity, form, invalid.Fields, "", "")
		return
	}
	if err != nil {
		s.fail(w, r, u, "create account", err)
		return
	}
	s.setFlash(r.Context(), fmt.Sprintf("Account %s made: %s. Give its password to its owner in person.",
		a.Username, a.Describe()), false)
	http.Redirect(w, r, "/admin/accounts", http.StatusSeeOther)
}

func (s *BackOffice) disableAccount(w http.ResponseWriter, r *http.Request, u *user) {
	s.setDisabled(w, r, u, true)
}

func (s *BackOffice) enableAccount(w http.ResponseWriter, r *http.Request, u *user) {
	s.setDisabled(w, r, u, false)
}

// setDisabled disables or enables an account; a disabled account's sessions end at once.
func (s *BackOffice) setDisabled(w http.ResponseWriter, r *http.Request, u *user, disabled bool) {
	username := r.PathValue("username")
	err := s.desk.SetDisabled(r.Context(), u.Actor, username, disabled)
	var invalid *request.ValidationError
	switch {
	case errors.As(err, &invalid):
		s.setFlash(r.Context(), strings.Join(messages(invalid.Fields), " "), true)
	case err != nil:
		s.fail(w, r, u, "disable account", err)
		return
	case disabled:
		s.setFlash(r.Context(), fmt.Sprintf("Account %s is disabled; its sessions have ended.", username), false)
	default:
		s.setFlash(r.Context(), fmt.Sprintf("Account %s is enabled again.", username), false)
	}
	http.Redirect(w, r, "/admin/accounts", http.StatusSeeOther)
}

// resetPassword gives an account a new password, which also unlocks it.
func (s *BackOffice) resetPassword(w http.ResponseWriter, r *http.Request, u *user) {
	if !s.readForm(w, r, u) {
		return
	}
	username := staff.NormalizeUsername(r.PathValue("username"))
	err := s.desk.ResetPassword(r.Context(), u.Actor, username, r.PostForm.Get(staff.FieldPassword))
	var invalid *request.ValidationError
	if errors.As(err, &invalid) {
		s.renderAccounts(w, r, u, http.StatusUnprocessableEntity, nil, nil, username, strings.Join(messages(invalid.Fields), " "))
		return
	}
	if err != nil {
		s.fail(w, r, u, "reset password", err)
		return
	}
	s.setFlash(r.Context(), fmt.Sprintf("The password of %s is reset and the account unlocked; its sessions have ended.", username), false)
	http.Redirect(w, r, "/admin/accounts", http.StatusSeeOther)
}

// auditPage browses the audit log, newest first.
type auditPage struct {
	base
	Fields    map[string]field
	Entries   []auditView
	OlderURL  string
	NewestURL string
}

type auditView struct {
	At      time.Time
	Actor   string
	Role    string
	Unit    string
	IP      string
	Action  string
	Target  string
	Details string
}

// auditPageSize is how many entries a page of the audit log shows.
const auditPageSize = 50

var auditFields = []string{"actor", "action", "target"}

func (s *BackOffice) auditLog(w http.ResponseWriter, r *http.Request, u *user) {
	v := r.URL.Query()
	q := audit.Query{Actor: strings.TrimSpace(v.Get("actor")), Action: strings.TrimSpace(v.Get("action")),
		Target: strings.TrimSpace(v.Get("target")), Limit: auditPageSize + 1}
	if b := v.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			s.renderMessage(w, r, http.StatusBadRequest, u, "Error: Audit log", "This page link is damaged; start again from the newest entries.")
			return
		}
		q.Before = n
	}
	entries, err := s.desk.AuditLog(r.Context(), u.Actor, q)
	if err != nil {
		s.fail(w, r, u, "audit log", err)
		return
	}
	page := &auditPage{base: s.base(r, u, "Audit log", navAudit), Fields: fields(v, nil, auditFields...)}
	filter := url.Values{}
	for _, name := range auditFields {
		if val := page.Fields[name].Value; strings.TrimSpace(val) != "" {
			filter.Set(name, strings.TrimSpace(val))
		}
	}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		older := cloneValues(filter)
		older.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		page.OlderURL = "/admin/audit?" + older.Encode()
	}
	if q.Before != 0 {
		page.NewestURL = deskURL("/admin/audit", filter, "")
	}
	for _, e := range entries {
		page.Entries = append(page.Entries, auditView{At: e.At, Actor: e.Actor, Role: e.Role, Unit: e.Unit, IP: e.IP,
			Action: e.Action, Target: e.Target, Details: e.Details})
	}
	s.render(w, r, http.StatusOK, "audit", page)
}

// servicesPage lists the catalogue, each service with a switch and its target time.
type servicesPage struct {
	base
	Services []serviceView
	Summary  []string // what is wrong with the target asked for
}

// serviceView is a service with the form of its target time: as typed when it came back
// with a mistake, else as it is.
type serviceView struct {
	request.Service
	TargetURL string
	Target    field
}

func (s *BackOffice) serviceList(w http.ResponseWriter, r *http.Request, u *user) {
	s.renderServices(w, r, u, http.StatusOK, "", "", "")
}

// renderServices shows the catalogue; code, typed and msg are a target that came back with
// a mistake.
func (s *BackOffice) renderServices(w http.ResponseWriter, r *http.Request, u *user, status int, code, typed, msg string) {
	all, err := s.desk.Catalogue().All(r.Context())
	if err != nil {
		s.fail(w, r, u, "list services", err)
		return
	}
	title := "Services"
	if msg != "" {
		title = "Error: " + title
	}
	page := &servicesPage{base: s.base(r, u, title, navServices)}
	for _, svc := range all {
		v := serviceView{Service: svc, TargetURL: "/admin/services/" + url.PathEscape(svc.Code) + "/target",
			Target: field{Name: "target-" + svc.Code, Value: strconv.Itoa(int(svc.Target() / time.Hour))}}
		if svc.Code == code {
			v.Target.Value, v.Target.Error = typed, msg
			page.Summary = []string{svc.Name + ": " + msg}
		}
		page.Services = append(page.Services, v)
	}
	s.render(w, r, status, "services", page)
}

// setServiceTarget sets a service's target time: at once on this instance, within
// catalogue.TTL on the others. A target that cannot be comes back with what was typed.
func (s *BackOffice) setServiceTarget(w http.ResponseWriter, r *http.Request, u *user) {
	if !s.readForm(w, r, u) {
		return
	}
	code := r.PathValue("code")
	typed := r.PostForm.Get(request.FieldTargetHours)
	hours, err := request.ParseTargetHours(typed)
	if err == nil {
		err = s.desk.SetServiceTarget(r.Context(), u.Actor, code, hours)
	}
	var invalid *request.ValidationError
	switch {
	case errors.As(err, &invalid):
		s.renderServices(w, r, u, http.StatusUnprocessableEntity, code, typed, invalid.Fields[request.FieldTargetHours])
		return
	case err != nil:
		s.fail(w, r, u, "set service target", err)
		return
	}
	s.setFlash(r.Context(), fmt.Sprintf("The target of %q is %d hours: overdue and expected dates follow it from now on.", code, hours), false)
	http.Redirect(w, r, "/admin/services", http.StatusSeeOther)
}

// setServiceActive switches a service on or off: at once on this instance, within
// catalogue.TTL on the others.
func (s *BackOffice) setServiceActive(w http.ResponseWriter, r *http.Request, u *user) {
	if !s.readForm(w, r, u) {
		return
	}
	code := r.PostForm.Get("code")
	active := r.PostForm.Get("active") == "1"
	if err := s.desk.SetServiceActive(r.Context(), u.Actor, code, active); err != nil {
		s.fail(w, r, u, "switch service", err)
		return
	}
	state := "switched off: customers can no longer ask for it"
	if active {
		state = "switched on: customers can ask for it"
	}
	s.setFlash(r.Context(), fmt.Sprintf("The service %q is %s.", code, state), false)
	http.Redirect(w, r, "/admin/services", http.StatusSeeOther)
}
