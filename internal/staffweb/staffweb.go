// Package staffweb is the staff back office in the browser: login, the Division desk, the
// request page with its status workflow, exports and the run sheet, and the admin pages.
// Like the customer portal it is server-rendered and needs no JavaScript; every rule (scopes,
// the workflow, lockout, the audit) is the desk's.
package staffweb

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/htmlpage"
	"github.com/doorstep-post/doorstep/internal/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static/staff.css
var stylesheet []byte

// MaxFormBytes bounds a posted form: a bulk change of a full page of references is the
// largest, well under 16 KiB.
const MaxFormBytes = 64 << 10

// contentSecurityPolicy allows nothing but the back office's own stylesheet and forms.
const contentSecurityPolicy = "default-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Options configure the back office.
type Options struct {
	// SecureCookies marks the session cookie Secure: set when the public URL is https.
	SecureCookies bool
}

// Staff serves the back office.
type Staff struct {
	desk     *desk.Desk
	store    store.BackOffice
	log      *slog.Logger
	opts     Options
	sessions *scs.SessionManager
	pages    map[string]*template.Template // by page name
	cssURL   string
	cssETag  string
	units    []unitOption // every unit an account can belong to, for the account form
}

// New returns the back office over d, keeping sessions in st. It fails if a template is
// broken, so that a mistake stops the start rather than a member of staff's request.
func New(d *desk.Desk, st store.BackOffice, log *slog.Logger, opts Options) (*Staff, error) {
	if d == nil || st == nil || log == nil {
		return nil, errors.New("staffweb: New needs a desk, a store and a logger")
	}
	s := &Staff{desk: d, store: st, log: log, opts: opts}
	s.sessions = newSessionManager(st, opts, s.sessionError)
	sum := sha256.Sum256(stylesheet)
	s.cssETag = hex.EncodeToString(sum[:6])
	s.cssURL = "/staff/static/staff.css?v=" + s.cssETag
	s.units = allUnits(d)
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	for name, sample := range pageSamples() {
		if err := pages[name].ExecuteTemplate(io.Discard, "layout", sample); err != nil {
			return nil, fmt.Errorf("staffweb: template %s: %w", name, err)
		}
	}
	return s, nil
}

// Register adds the back office's routes to mux.
func (s *Staff) Register(mux *http.ServeMux) { s.routes(mux) }

// parsePages parses the layout and partials with each page template.
func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"date":     formatDate,
		"datetime": formatDatetime,
	}
	pages, err := htmlpage.Parse(templateFiles, funcs, maps.Keys(pageSamples()))
	if err != nil {
		return nil, fmt.Errorf("staffweb: %w", err)
	}
	return pages, nil
}

// secure sets the headers every back office response carries. Staff pages show personal
// data: nothing is cached, and no URL (a search can hold a mobile number) leaks as a referrer.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Content-Security-Policy", contentSecurityPolicy)
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "no-referrer")
		hdr.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// render writes a page.
func (s *Staff) render(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.ErrorContext(r.Context(), "staffweb: render page", "page", name, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// renderMessage writes a page that only says something.
func (s *Staff) renderMessage(w http.ResponseWriter, r *http.Request, status int, u *user, title, text string) {
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
// answer as for what does not exist), 403 for what their role may not do, else a logged 500.
func (s *Staff) fail(w http.ResponseWriter, r *http.Request, u *user, what string, err error) {
	switch {
	case errors.Is(err, desk.ErrNotFound), errors.Is(err, desk.ErrNoAccount), errors.Is(err, store.ErrNotFound):
		s.renderMessage(w, r, http.StatusNotFound, u, titleNotFound, msgNotFound)
	case errors.Is(err, desk.ErrForbidden):
		s.renderMessage(w, r, http.StatusForbidden, u, titleForbidden, msgForbidden)
	default:
		s.log.ErrorContext(r.Context(), "staffweb: "+what, "method", r.Method, "path", r.URL.Path, "err", err)
		s.renderMessage(w, r, http.StatusInternalServerError, u, titleServerError, msgServerError)
	}
}

// static serves the stylesheet. Its URL carries a hash of its content, so a URL with the
// current hash is cached for good and any other is revalidated.
func (s *Staff) static(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("file") != "staff.css" {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/css; charset=utf-8")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("ETag", `"`+s.cssETag+`"`)
	if r.URL.Query().Get("v") == s.cssETag {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(stylesheet))
}
