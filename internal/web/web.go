// Package web is the customer portal: server-rendered pages to ask for a postal service at
// the doorstep and to track it. It needs no JavaScript and is laid out for a small phone on a
// slow network first. Every rule is intake's, so the portal and the JSON API behave alike.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/htmlpage"
	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/request"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// MaxFormBytes bounds a posted form. A full form is well under 4 KiB.
const MaxFormBytes = 64 << 10

// contentSecurityPolicy allows nothing but the portal's own stylesheet and forms: there is no
// script to allow at all.
const contentSecurityPolicy = "default-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Portal serves the customer web pages.
type Portal struct {
	intake *intake.Intake
	log    *slog.Logger
	pages  map[request.Language]map[string]*template.Template // by language, then page name
	assets map[string]asset                                   // by path under static/
	cssURL string
	outbox string     // where SMS go when no gateway is set up; empty when one is
	desk   *desk.Desk // cancels requests for customers; nil: the portal offers no cancellation
}

// Option adjusts a Portal.
type Option func(*Portal)

// LocalOutbox tells the portal that SMS go to a local file (no gateway is set up), so the form
// can say where a one-time code is to be found.
func LocalOutbox(path string) Option { return func(p *Portal) { p.outbox = path } }

// Cancellation lets customers cancel an open request from its page, proving with a code sent
// by SMS to the request's mobile that it is theirs. The desk applies the rules, as it does
// for the API.
func Cancellation(d *desk.Desk) Option { return func(p *Portal) { p.desk = d } }

// asset is one embedded static file.
type asset struct {
	data        []byte
	contentType string
	version     string // a hash of data, put in the URL so that it can be cached for good
}

// pageSamples returns a zero value of the data of each page template. New renders every page
// once with it so that a template mistake stops the start rather than a customer's request.
func pageSamples() map[string]pageData {
	return map[string]pageData{
		"form":    &formPage{Services: []serviceOption{{}}, Summary: []summaryItem{{}}},
		"request": &requestPage{Request: requestView{History: []eventView{{}}, Open: true}, Cancel: &cancelForm{CodeSentTo: "x", General: "x"}},
		"track":   &trackPage{Results: []requestView{{History: []eventView{{}}}}},
		"message": &messagePage{},
	}
}

// New parses the embedded templates and reads the static files. It fails if any template is
// broken.
func New(in *intake.Intake, log *slog.Logger, opts ...Option) (*Portal, error) {
	if in == nil || log == nil {
		return nil, errors.New("web: New needs an intake and a logger")
	}
	p := &Portal{intake: in, log: log, assets: map[string]asset{}, pages: map[request.Language]map[string]*template.Template{}}
	for _, opt := range opts {
		opt(p)
	}
	if err := p.loadAssets(); err != nil {
		return nil, err
	}
	css, ok := p.assets["style.css"]
	if !ok {
		return nil, errors.New("web: static/style.css is missing")
	}
	p.cssURL = "/static/style.css?v=" + css.version
	for _, lang := range languages {
		pages, err := parsePages(lang)
		if err != nil {
			return nil, err
		}
		p.pages[lang] = pages
		for name, sample := range pageSamples() {
			sample.page().Lang = lang
			if err := pages[name].ExecuteTemplate(io.Discard, "layout", sample); err != nil {
				return nil, fmt.Errorf("web: template %s (%s): %w", name, lang, err)
			}
		}
	}
	return p, nil
}

// parsePages parses, for one language, the layout and partials with each page template.
func parsePages(lang request.Language) (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"t":        func(key string, args ...any) string { return translate(lang, key, args...) },
		"date":     formatDate,
		"datetime": formatDatetime,
	}
	pages, err := htmlpage.Parse(templateFiles, funcs, maps.Keys(pageSamples()))
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	return pages, nil
}

func (p *Portal) loadAssets() error {
	return fs.WalkDir(staticFiles, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFiles.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		p.assets[strings.TrimPrefix(name, "static/")] = asset{data: data, contentType: ctype, version: hex.EncodeToString(sum[:6])}
		return nil
	})
}

// Register adds the portal's routes to mux.
func (p *Portal) Register(mux *http.ServeMux) { p.routes(mux) }

// routes is every URL of the portal.
//
// The catch-all is "/" for every method rather than "GET /": a method-only "GET /" would
// conflict with the path-only "/api/v1/" the API is mounted at in the same mux (ServeMux
// panics at registration). The catch-all answers 405 for a known path with another method.
func (p *Portal) routes(mux *http.ServeMux) {
	mux.Handle("GET /{$}", p.secure(p.requestForm))
	mux.Handle("POST /requests", p.secure(p.submitRequest))
	mux.Handle("GET /requests", p.secure(p.redirectToForm))
	mux.Handle("GET /requests/{reference}", p.secure(p.showRequest))
	if p.desk != nil {
		mux.Handle("POST /requests/{reference}/cancel", p.secure(p.cancelRequest))
		mux.Handle("GET /requests/{reference}/cancel", p.secure(p.redirectToRequest))
	}
	mux.Handle("GET /track", p.secure(p.track))
	mux.Handle("GET /static/{file...}", p.secure(p.static))
	mux.Handle("/", p.secure(p.unknownPath(mux)))
}

// secure sets the headers every portal response carries.
func (p *Portal) secure(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Content-Security-Policy", contentSecurityPolicy)
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "no-referrer") // the track page's URL can hold a mobile number
		h(w, r)
	})
}

// language is the language a visitor's pages are shown in. There is only English for now;
// when Hindi comes, this is where a visitor's choice (a cookie, a query parameter) is read.
func (p *Portal) language(*http.Request) request.Language { return request.English }

// base is what every page's layout needs.
func (p *Portal) base(lang request.Language, title, nav string, args ...any) base {
	return base{Lang: lang, Title: translate(lang, title, args...), CSS: p.cssURL, Nav: nav}
}

// render writes a page. Pages can show request data, so none is cached anywhere.
func (p *Portal) render(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) {
	lang := data.page().Lang
	tmpl := p.pages[lang][name]
	if tmpl == nil {
		tmpl = p.pages[request.English][name]
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "layout", data); err != nil {
		p.log.ErrorContext(r.Context(), "web: render page", "page", name, "err", err)
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

// renderMessage writes a page that only says something.
func (p *Portal) renderMessage(w http.ResponseWriter, r *http.Request, status int, lang request.Language, title, text string, args ...any) {
	b := p.base(lang, title, "")
	p.render(w, r, status, "message", &messagePage{base: b, Heading: b.Title, Text: translate(lang, text, args...)})
}

// serverError logs an unexpected failure (the error only: never what a customer typed) and
// says sorry.
func (p *Portal) serverError(w http.ResponseWriter, r *http.Request, lang request.Language, what string, err error) {
	p.log.ErrorContext(r.Context(), "web: "+what, "method", r.Method, "path", r.URL.Path, "err", err)
	p.renderMessage(w, r, http.StatusInternalServerError, lang, titleServerError, msgServerError)
}

// static serves the embedded files. A URL with the file's current version is cached for a
// year; any other is revalidated, so that an old page never pins a new file under an old URL.
func (p *Portal) static(w http.ResponseWriter, r *http.Request) {
	a, ok := p.assets[r.PathValue("file")]
	if !ok {
		p.notFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("ETag", `"`+a.version+`"`)
	if r.URL.Query().Get("v") == a.version {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.data))
}

// unknownPath answers what no other route matched: 405 if the path exists for another
// method, else the friendly 404 page.
func (p *Portal) unknownPath(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			if method == r.Method || (method == http.MethodGet && r.Method == http.MethodHead) {
				continue
			}
			probe := r.Clone(r.Context())
			probe.Method = method
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
				allow = append(allow, method)
				if method == http.MethodGet {
					allow = append(allow, http.MethodHead)
				}
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			p.renderMessage(w, r, http.StatusMethodNotAllowed, p.language(r), titleNotAllowed, msgNotAllowed)
			return
		}
		p.notFound(w, r)
	}
}

func (p *Portal) notFound(w http.ResponseWriter, r *http.Request) {
	p.renderMessage(w, r, http.StatusNotFound, p.language(r), titleNotFound, msgPageNotFound)
}
