// Package backoffice is the staff back office in the browser: login, the Division desk, the
// request page with its status workflow, exports and the run sheet, and the admin pages.
// Like the customer portal it is server-rendered and needs no JavaScript; every rule (scopes,
// the workflow, lockout, the audit) is the desk's.
package backoffice

import (
	"embed"
	"errors"
	"fmt"
	"net/http"

	"github.com/alexedwards/scs/v2"

	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/htmlpage"
	"github.com/doorstep-post/doorstep/internal/requestlog"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// MaxFormBytes bounds a posted form: a bulk change of a full page of references is the
// largest, well under 16 KiB.
const MaxFormBytes = 64 << 10

// Options configure the back office.
type Options struct {
	// SecureCookies marks the session cookie Secure: set when the public URL is https.
	SecureCookies bool
}

// BackOffice serves the staff pages.
type BackOffice struct {
	desk      *desk.Desk
	dashboard *dashboard.Dashboard
	opts      Options
	sessions  *scs.SessionManager
	pages     *htmlpage.Set[pageData]
	assets    *htmlpage.Assets
	cssURL    string
	units     []unitOption // every unit an account can belong to, for the account form
	// registered are the routes that need a login, with their permissions (Routes).
	registered []Route
}

// New returns the back office over the desk d and the dashboard dash, keeping sessions in
// sessions. It fails if a template is broken, so that a mistake stops the start rather than
// a member of staff's request.
func New(d *desk.Desk, dash *dashboard.Dashboard, sessions Sessions, opts Options) (*BackOffice, error) {
	if d == nil || dash == nil || sessions == nil {
		return nil, errors.New("backoffice: New needs a desk, a dashboard and a session store")
	}
	s := &BackOffice{desk: d, dashboard: dash, opts: opts}
	s.sessions = newSessionManager(sessions, opts, sessionError)
	var err error
	if s.assets, err = htmlpage.NewAssets(staticFiles, "static", "/staff/static/"); err != nil {
		return nil, fmt.Errorf("backoffice: %w", err)
	}
	if s.cssURL, err = s.assets.URL("staff.css"); err != nil {
		return nil, fmt.Errorf("backoffice: %w", err)
	}
	s.units = allUnits(d)
	if s.pages, err = htmlpage.New(templateFiles, nil, pageSamples()); err != nil {
		return nil, fmt.Errorf("backoffice: %w", err)
	}
	return s, nil
}

// Register adds the back office's routes to mux.
func (s *BackOffice) Register(mux *http.ServeMux) { s.routes(mux) }

// render writes a page.
func (s *BackOffice) render(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) {
	s.pages.Render(w, r, status, name, data)
}

// renderMessage writes a page that only says something.
func (s *BackOffice) renderMessage(w http.ResponseWriter, r *http.Request, status int, u *user, title, text string) {
	s.render(w, r, status, "message", &messagePage{base: s.base(r, u, title, ""), Text: text})
}

// Page titles and messages shared by several handlers.
const (
	titleNotFound    = "Not found"
	titleForbidden   = "Not allowed"
	titleServerError = "Sorry, something went wrong"
	msgNotFound      = "There is no such page or request in your part of the hierarchy."
	msgForbidden     = "Your role may not do this."
	msgServerError   = "Something went wrong on our side, and it was not done. Please try again in a few minutes."
)

// fail answers an error from the desk: 404 for what is outside the actor's scope (the same
// answer as for what does not exist), 403 for what their role may not do, else a 500 whose
// error goes to the request's log line.
func (s *BackOffice) fail(w http.ResponseWriter, r *http.Request, u *user, what string, err error) {
	switch {
	case errors.Is(err, desk.ErrNotFound), errors.Is(err, desk.ErrNoAccount), errors.Is(err, desk.ErrUnknownService):
		s.renderMessage(w, r, http.StatusNotFound, u, titleNotFound, msgNotFound)
	case errors.Is(err, desk.ErrForbidden):
		s.renderMessage(w, r, http.StatusForbidden, u, titleForbidden, msgForbidden)
	default:
		requestlog.Fail(r.Context(), what, err)
		s.renderMessage(w, r, http.StatusInternalServerError, u, titleServerError, msgServerError)
	}
}

// static serves the stylesheet.
func (s *BackOffice) static(w http.ResponseWriter, r *http.Request) {
	if !s.assets.Serve(w, r, r.PathValue("file")) {
		s.renderMessage(w, r, http.StatusNotFound, nil, titleNotFound, msgNotFound)
	}
}
