package backoffice

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/doorstep-post/doorstep/internal/clientip"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/htmlpage"
	"github.com/doorstep-post/doorstep/internal/staff"
)

// anyAccount lets every logged-in account use a route: its own password, logging out.
const anyAccount staff.Action = ""

// routes is every URL of the back office, with the permission it needs (staff.Account.May,
// asked of the account's own part of the hierarchy; the desk asks again of the request or
// unit acted on). State changes are all POST: the server refuses cross-origin posts, and
// the session cookie is SameSite=Lax.
func (s *BackOffice) routes(mux *http.ServeMux) {
	mux.Handle("GET /staff/static/{file}", htmlpage.Secure(http.HandlerFunc(s.static)))

	// Anyone: logging in.
	mux.Handle("GET /staff/login", s.public(s.loginForm))
	mux.Handle("POST /staff/login", s.public(s.login))

	s.handle(mux, "GET /staff", anyAccount, s.home)
	s.handle(mux, "POST /staff/logout", anyAccount, s.logout)
	s.handle(mux, "GET /staff/password", anyAccount, s.passwordForm)
	s.handle(mux, "POST /staff/password", anyAccount, s.changePassword)

	// Everyone sees the requests of their part of the hierarchy; the desk decides which.
	s.handle(mux, "GET /desk", staff.ViewRequests, s.queue)
	s.handle(mux, "GET /desk/export.csv", staff.ViewRequests, s.exportCSV)
	s.handle(mux, "GET /desk/export.xlsx", staff.ViewRequests, s.exportXLSX)
	s.handle(mux, "GET /desk/requests/{reference}", staff.ViewRequests, s.showRequest)

	// Everyone watches the figures of their part of the hierarchy, and of the units in it.
	s.handle(mux, "GET /dashboard", staff.ViewDashboard, s.dashboardPage)
	s.handle(mux, "GET /dashboard/export.csv", staff.ViewDashboard, s.dashboardCSV)
	s.handle(mux, "GET /dashboard/export.xlsx", staff.ViewDashboard, s.dashboardXLSX)

	// Division staff attend to their Division's requests.
	s.handle(mux, "POST /desk/requests/{reference}/status", staff.ChangeStatus, s.changeStatus)
	s.handle(mux, "POST /desk/bulk", staff.ChangeStatus, s.bulk)
	s.handle(mux, "GET /desk/run-sheet", staff.PrintRunSheet, s.runSheet)
	s.handle(mux, "POST /desk/requests/{reference}/notifications/{id}/retry", staff.RetryMessage, s.retryMessage)

	// The national office: accounts, the audit log and the service catalogue.
	s.handle(mux, "GET /admin", staff.ManageAccounts, s.adminHome)
	s.handle(mux, "GET /admin/accounts", staff.ManageAccounts, s.accounts)
	s.handle(mux, "POST /admin/accounts", staff.ManageAccounts, s.createAccount)
	s.handle(mux, "POST /admin/accounts/{username}/disable", staff.ManageAccounts, s.disableAccount)
	s.handle(mux, "POST /admin/accounts/{username}/enable", staff.ManageAccounts, s.enableAccount)
	s.handle(mux, "POST /admin/accounts/{username}/password", staff.ManageAccounts, s.resetPassword)
	s.handle(mux, "GET /admin/audit", staff.ReadAudit, s.auditLog)
	s.handle(mux, "GET /admin/services", staff.ManageServices, s.serviceList)
	s.handle(mux, "POST /admin/services", staff.ManageServices, s.setServiceActive)
	s.handle(mux, "POST /admin/services/{code}/target", staff.ManageServices, s.setServiceTarget)

	// Anything else under the back office's paths: its own 404 and 405 pages.
	catchAll := []string{"/", "/staff/", "/desk/", "/dashboard/", "/admin/"}
	fallback := htmlpage.Fallback(mux, s.notFound, s.notAllowed, catchAll...)
	for _, prefix := range catchAll[1:] {
		mux.Handle(prefix, s.public(fallback))
	}
}

// Route is one URL pattern of the back office and the permission it needs; anyAccount
// ("") for every logged-in account. Tests check that the authorization matrix covers them.
type Route struct {
	Pattern    string
	Permission staff.Action
}

// Routes lists the back office's routes that need a login, as registered.
func (s *BackOffice) Routes() []Route { return slices.Clone(s.registered) }

// handle registers a route that needs a login and the permission act.
func (s *BackOffice) handle(mux *http.ServeMux, pattern string, act staff.Action, h staffHandler) {
	s.registered = append(s.registered, Route{Pattern: pattern, Permission: act})
	mux.Handle(pattern, s.staffOnly(act, h))
}

func (s *BackOffice) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderMessage(w, r, http.StatusNotFound, nil, titleNotFound, msgNotFound)
}

func (s *BackOffice) notAllowed(w http.ResponseWriter, r *http.Request) {
	s.renderMessage(w, r, http.StatusMethodNotAllowed, nil, "Method not allowed", "This page cannot be used that way.")
}

// user is who is logged in, as pages and handlers need them.
type user struct {
	desk.Actor
}

// staffHandler serves a logged-in member of staff.
type staffHandler func(w http.ResponseWriter, r *http.Request, u *user)

// public serves a page that needs the session but no login.
func (s *BackOffice) public(h http.HandlerFunc) http.Handler {
	return htmlpage.Secure(s.sessions.LoadAndSave(h))
}

// staffOnly serves a route to a logged-in account that may do act at all. Every request
// checks the account again, so that disabling it or changing its password ends its sessions
// at once.
func (s *BackOffice) staffOnly(act staff.Action, h staffHandler) http.Handler {
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
		if act != anyAccount && !account.MayAtAll(act) {
			s.renderMessage(w, r, http.StatusForbidden, u, titleForbidden, "This page is not for "+account.Role.Label()+" accounts.")
			return
		}
		h(w, r, u)
	})
}

// toLogin sends someone without a working session to the login page, which brings them back
// to the page they asked for. A post cannot be replayed after the login: it goes nowhere.
func (s *BackOffice) toLogin(w http.ResponseWriter, r *http.Request, reason string) {
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
	case u.Path == "/staff", u.Path == "/desk", u.Path == "/dashboard", u.Path == "/admin",
		strings.HasPrefix(u.Path, "/staff/"), strings.HasPrefix(u.Path, "/desk/"), strings.HasPrefix(u.Path, "/dashboard/"),
		strings.HasPrefix(u.Path, "/admin/"):
		return next
	}
	return ""
}

// home sends Division staff to the desk, where their work is, and those who watch
// (Regions, Circles, the national office) to their dashboard.
func (s *BackOffice) home(w http.ResponseWriter, r *http.Request, u *user) {
	http.Redirect(w, r, homePath(u.Account), http.StatusSeeOther)
}

func homePath(a staff.Account) string {
	if a.MayAtAll(staff.ChangeStatus) || !a.MayAtAll(staff.ViewDashboard) {
		return "/desk"
	}
	return "/dashboard"
}

func (s *BackOffice) adminHome(w http.ResponseWriter, r *http.Request, _ *user) {
	http.Redirect(w, r, "/admin/accounts", http.StatusSeeOther)
}
