package staffweb

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/doorstep-post/doorstep/internal/clientip"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/staff"
)

// access is who may use a route: the roles allowed, or every role when empty.
type access []staff.Role

// Who may use which route.
var (
	anyRole         = access{}
	divisionStaff   = access{staff.RoleDivision} // they change requests
	admins          = access{staff.RoleAdmin}
	divisionOrAdmin = access{staff.RoleDivision, staff.RoleAdmin}
)

func (a access) allows(r staff.Role) bool { return len(a) == 0 || slices.Contains(a, r) }

// routes is every URL of the back office, with who may use it. State changes are all POST:
// the server refuses cross-origin posts, and the session cookie is SameSite=Lax.
func (s *Staff) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /staff/static/{file}", s.static)

	// Anyone: logging in.
	mux.Handle("GET /staff/login", s.public(s.loginForm))
	mux.Handle("POST /staff/login", s.public(s.login))

	// Every logged-in account.
	mux.Handle("GET /staff", s.staffOnly(anyRole, s.home))
	mux.Handle("POST /staff/logout", s.staffOnly(anyRole, s.logout))
	mux.Handle("GET /staff/password", s.staffOnly(anyRole, s.passwordForm))
	mux.Handle("POST /staff/password", s.staffOnly(anyRole, s.changePassword))
	// Everyone sees the requests of their part of the hierarchy; the desk decides what.
	mux.Handle("GET /desk", s.staffOnly(anyRole, s.queue))
	mux.Handle("GET /desk/export.csv", s.staffOnly(anyRole, s.exportCSV))
	mux.Handle("GET /desk/export.xlsx", s.staffOnly(anyRole, s.exportXLSX))
	mux.Handle("GET /desk/requests/{reference}", s.staffOnly(anyRole, s.showRequest))

	// Division staff: they attend to their Division's requests.
	mux.Handle("POST /desk/requests/{reference}/status", s.staffOnly(divisionStaff, s.changeStatus))
	mux.Handle("POST /desk/bulk", s.staffOnly(divisionStaff, s.bulk))
	mux.Handle("GET /desk/run-sheet", s.staffOnly(divisionStaff, s.runSheet))
	mux.Handle("POST /desk/requests/{reference}/notifications/{id}/retry", s.staffOnly(divisionOrAdmin, s.retryNotification))

	// Admins: accounts, the audit log and the service catalogue.
	mux.Handle("GET /admin", s.staffOnly(admins, s.adminHome))
	mux.Handle("GET /admin/accounts", s.staffOnly(admins, s.accounts))
	mux.Handle("POST /admin/accounts", s.staffOnly(admins, s.createAccount))
	mux.Handle("POST /admin/accounts/{username}/disable", s.staffOnly(admins, s.disableAccount))
	mux.Handle("POST /admin/accounts/{username}/enable", s.staffOnly(admins, s.enableAccount))
	mux.Handle("POST /admin/accounts/{username}/password", s.staffOnly(admins, s.resetPassword))
	mux.Handle("GET /admin/audit", s.staffOnly(admins, s.auditLog))
	mux.Handle("GET /admin/services", s.staffOnly(admins, s.serviceList))
	mux.Handle("POST /admin/services", s.staffOnly(admins, s.setServiceActive))

	// Anything else under the back office's paths: its own 404 and 405 pages.
	for _, prefix := range []string{"/staff/", "/desk/", "/admin/"} {
		mux.Handle(prefix, s.public(s.unknownPath(mux)))
	}
}

// user is who is logged in, as pages and handlers need them.
type user struct {
	desk.Actor
}

// staffHandler serves a logged-in member of staff.
type staffHandler func(w http.ResponseWriter, r *http.Request, u *user)

// public serves a page that needs the session but no login.
func (s *Staff) public(h http.HandlerFunc) http.Handler {
	return secure(s.sessions.LoadAndSave(h))
}

// staffOnly serves a route to a logged-in account whose role it allows. Every request checks
// the account again, so that disabling it or changing its password ends its sessions at once.
func (s *Staff) staffOnly(allowed access, h staffHandler) http.Handler {
	return s.public(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, at, ok := s.sessionAccount(ctx)
		if !ok {
			s.toLogin(w, r, "")
			return
		}
		account, err := s.desk.SessionAccount(ctx, id, at)
		if errors.Is(err, desk.ErrSessionEnded) {
			if err := s.sessions.Destroy(ctx); err != nil {
				s.fail(w, r, nil, "end session", err)
				return
			}
			s.toLogin(w, r, "ended")
			return
		}
		if err != nil {
			s.fail(w, r, nil, "session account", err)
			return
		}
		u := &user{Actor: desk.Actor{Account: account, IP: clientip.Of(r)}}
		if !allowed.allows(account.Role) {
			s.renderMessage(w, r, http.StatusForbidden, u, titleForbidden, "This page is not for "+account.Role.Label()+" accounts.")
			return
		}
		h(w, r, u)
	})
}

// toLogin sends someone without a working session to the login page, which brings them back
// to the page they asked for. A post cannot be replayed after the login: it goes nowhere.
func (s *Staff) toLogin(w http.ResponseWriter, r *http.Request, reason string) {
	q := url.Values{}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if next := safeNext(r.URL.RequestURI()); next != "" {
			q.Set("next", next)
		}
	}
	if reason != "" {
		q.Set(reason, "1")
	}
	target := "/staff/login"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext returns next if it is a path of the back office on this site, else "": the login
// page must not become a redirector to anywhere a link says.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	switch {
	case u.Path == "/staff/login", u.Path == "/staff/logout":
		return ""
	case u.Path == "/staff", u.Path == "/desk", u.Path == "/admin",
		strings.HasPrefix(u.Path, "/staff/"), strings.HasPrefix(u.Path, "/desk/"), strings.HasPrefix(u.Path, "/admin/"):
		return next
	}
	return ""
}

// home sends staff to the desk: every role has one (admins and watchers see it read-only).
func (s *Staff) home(w http.ResponseWriter, r *http.Request, _ *user) {
	http.Redirect(w, r, "/desk", http.StatusSeeOther)
}

func (s *Staff) adminHome(w http.ResponseWriter, r *http.Request, _ *user) {
	http.Redirect(w, r, "/admin/accounts", http.StatusSeeOther)
}

// unknownPath answers what no other back office route matched: 405 if the path exists for
// another method, else 404.
func (s *Staff) unknownPath(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			if method == r.Method || method == http.MethodGet && r.Method == http.MethodHead {
				continue
			}
			probe := r.Clone(r.Context())
			probe.Method = method
			if _, pattern := mux.Handler(probe); pattern != "" && !slices.Contains([]string{"/", "/staff/", "/desk/", "/admin/"}, pattern) {
				allow = append(allow, method)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.renderMessage(w, r, http.StatusMethodNotAllowed, nil, "Method not allowed", "This page cannot be used that way.")
			return
		}
		s.renderMessage(w, r, http.StatusNotFound, nil, titleNotFound, msgNotFound)
	}
}
