// Package htmlpage is the toolkit every server-rendered HTML surface uses (the customer
// portal, the staff back office, and the dashboard to come), so that all of them parse,
// render, protect, cache and date their pages the same way:
//
//   - Parse and New: each page is templates/NAME.html defining "main", parsed with the
//     shared templates/layout.html and templates/partials.html, and rendered once with
//     sample data at start so that a template mistake stops the start, not a request;
//   - Set.Render: typed page data into a buffered, uncached response;
//   - Secure: the security headers of every response;
//   - Assets: embedded static files under content-hashed URLs;
//   - Fallback and AllowedMethods: 404 and 405 for paths no route matched;
//   - Date and Datetime: times as people in India read them (IST).
package htmlpage

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"iter"
	"maps"
	"net/http"
	"strconv"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/requestlog"
)

// Parse returns each named page, parsed from fsys with the layout and partials and funcs.
// A page that defines no "main" is an error: the layout would render nothing.
func Parse(fsys fs.FS, funcs template.FuncMap, names iter.Seq[string]) (map[string]*template.Template, error) {
	common, err := template.New("layout").Funcs(funcs).ParseFS(fsys, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	pages := make(map[string]*template.Template)
	for name := range names {
		clone, err := common.Clone()
		if err != nil {
			return nil, err
		}
		page, err := clone.ParseFS(fsys, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		if page.Lookup("main") == nil {
			return nil, fmt.Errorf("templates/%s.html defines no \"main\"", name)
		}
		pages[name] = page
	}
	return pages, nil
}

// Set is the pages of one surface (in one language), each rendered with data of type D:
// the surface's page data, a struct embedding what its layout needs.
type Set[D any] struct {
	pages map[string]*template.Template
}

// New parses the page of each name in samples and renders it once with its sample data
// (which should fill every list and optional part), failing if any page is broken.
func New[D any](fsys fs.FS, funcs template.FuncMap, samples map[string]D) (*Set[D], error) {
	pages, err := Parse(fsys, Funcs(funcs), maps.Keys(samples))
	if err != nil {
		return nil, err
	}
	for name, sample := range samples {
		if err := pages[name].ExecuteTemplate(io.Discard, "layout", sample); err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
	}
	return &Set[D]{pages: pages}, nil
}

// Render writes page name with data. Pages can show personal data, so none is cached. A page
// that fails to render is recorded as the request's failure and answered with a bare 500.
func (s *Set[D]) Render(w http.ResponseWriter, r *http.Request, status int, name string, data D) {
	tmpl := s.pages[name]
	var buf bytes.Buffer
	err := fmt.Errorf("no page %q", name)
	if tmpl != nil {
		err = tmpl.ExecuteTemplate(&buf, "layout", data)
	}
	if err != nil {
		requestlog.Fail(r.Context(), "render page "+name, err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// contentSecurityPolicy allows nothing but the surface's own stylesheet and forms: there is
// no script to allow at all.
const contentSecurityPolicy = "default-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Secure sets the headers every response of an HTML surface carries. Nothing is cached
// unless a handler says otherwise (static files do), and no URL leaks as a referrer: a
// tracking or search URL can hold a mobile number.
func Secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Content-Security-Policy", contentSecurityPolicy)
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "no-referrer")
		hdr.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// Date and time layouts: what people read ("27 Nov 2026, 14:05", IST) and what <time
// datetime> holds.
const (
	DateLayout     = "2 Jan 2006, 15:04"
	DatetimeLayout = "2006-01-02T15:04-07:00"
)

// Date is how people read a time, in IST; the zero time (not yet, never) is a dash.
func Date(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.In(request.IST).Format(DateLayout)
}

// Datetime is the machine-readable form of a time for <time datetime>, in IST.
func Datetime(t time.Time) string { return t.In(request.IST).Format(DatetimeLayout) }

// Funcs are the template functions every page has ("date", "datetime"), with extra added.
func Funcs(extra template.FuncMap) template.FuncMap {
	funcs := template.FuncMap{"date": Date, "datetime": Datetime}
	maps.Copy(funcs, extra)
	return funcs
}
