// Package portal is the customer portal: server-rendered pages to ask for a postal service at
// the doorstep and to track it. It needs no JavaScript and is laid out for a small phone on a
// slow network first. Every rule is intake's, so the portal and the JSON API behave alike.
package portal

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"

	"github.com/doorstep-post/doorstep/internal/htmlpage"
	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/requestlog"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// MaxFormBytes bounds a posted form. A full form is well under 4 KiB.
const MaxFormBytes = 64 << 10

// Portal serves the customer web pages.
type Portal struct {
	intake *intake.Intake
	pages  map[request.Language]*htmlpage.Set[pageData] // by language
	assets *htmlpage.Assets
	cssURL string
	outbox string // where SMS go when no gateway is set up; empty when one is
}

// Option adjusts a Portal.
type Option func(*Portal)

// LocalOutbox tells the portal that SMS go to a local file (no gateway is set up), so the form
// can say where a one-time code is to be found.
func LocalOutbox(path string) Option { return func(p *Portal) { p.outbox = path } }

// pageSamples returns sample data of each page template, in a language. New renders every
// page once with it so that a template mistake stops the start rather than a customer's
// request.
func pageSamples(lang request.Language) map[string]pageData {
	b := base{Lang: lang}
	return map[string]pageData{
		"form":    &formPage{base: b, Services: []serviceOption{{}}, Summary: []summaryItem{{}}},
		"request": &requestPage{base: b, Request: requestView{History: []eventView{{}}, Open: true}, Cancel: &cancelForm{CodeSentTo: "x", General: "x"}},
		"track":   &trackPage{base: b, Results: []requestView{{History: []eventView{{}}}}},
		"message": &messagePage{base: b},
	}
}

// New parses the embedded templates and reads the static files. It fails if any template is
// broken.
func New(in *intake.Intake, opts ...Option) (*Portal, error) {
	if in == nil {
		return nil, errors.New("portal: New needs an intake")
	}
	p := &Portal{intake: in, pages: map[request.Language]*htmlpage.Set[pageData]{}}
	for _, opt := range opts {
		opt(p)
	}
	var err error
	if p.assets, err = htmlpage.NewAssets(staticFiles, "static", "/static/"); err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	if p.cssURL, err = p.assets.URL("style.css"); err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	for _, lang := range languages {
		funcs := template.FuncMap{"t": func(key string, args ...any) string { return translate(lang, key, args...) }}
		if p.pages[lang], err = htmlpage.New(templateFiles, funcs, pageSamples(lang)); err != nil {
			return nil, fmt.Errorf("portal (%s): %w", lang, err)
		}
	}
	return p, nil
}

// Register adds the portal's routes to mux.
func (p *Portal) Register(mux *http.ServeMux) { p.routes(mux) }

// routes is every URL of the portal.
//
// The catch-all is "/" for every method rather than "GET /": a method-only "GET /" would
// conflict with the path-only "/api/v1/" the API is mounted at in the same mux (ServeMux
// panics at registration). The catch-all answers 405 for a known path with another method.
func (p *Portal) routes(mux *http.ServeMux) {
	handle := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, htmlpage.Secure(h)) }
	handle("GET /{$}", p.requestForm)
	handle("POST /requests", p.submitRequest)
	handle("GET /requests", p.redirectToForm)
	handle("GET /requests/{reference}", p.showRequest)
	handle("POST /requests/{reference}/cancel", p.cancelRequest)
	handle("GET /requests/{reference}/cancel", p.redirectToRequest)
	handle("GET /track", p.track)
	handle("GET /static/{file...}", p.static)
	handle("/", htmlpage.Fallback(mux, p.notFound, p.notAllowed, "/"))
}

// language is the language a visitor's pages are shown in. There is only English for now;
// when Hindi comes, this is where a visitor's choice (a cookie, a query parameter) is read.
func (p *Portal) language(*http.Request) request.Language { return request.English }

// base is what every page's layout needs.
func (p *Portal) base(lang request.Language, title, nav string, args ...any) base {
	return base{Lang: lang, Title: translate(lang, title, args...), CSS: p.cssURL, Nav: nav}
}

// render writes a page in its data's language.
func (p *Portal) render(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) {
	set := p.pages[data.page().Lang]
	if set == nil {
		set = p.pages[request.English]
	}
	set.Render(w, r, status, name, data)
}

// renderMessage writes a page that only says something.
func (p *Portal) renderMessage(w http.ResponseWriter, r *http.Request, status int, lang request.Language, title, text string, args ...any) {
	b := p.base(lang, title, "")
	p.render(w, r, status, "message", &messagePage{base: b, Heading: b.Title, Text: translate(lang, text, args...)})
}

// serverError records an unexpected failure for the request's log line (the error only:
// never what a customer typed) and says sorry.
func (p *Portal) serverError(w http.ResponseWriter, r *http.Request, lang request.Language, what string, err error) {
	requestlog.Fail(r.Context(), what, err)
	p.renderMessage(w, r, http.StatusInternalServerError, lang, titleServerError, msgServerError)
}

// static serves the embedded files.
func (p *Portal) static(w http.ResponseWriter, r *http.Request) {
	if !p.assets.Serve(w, r, r.PathValue("file")) {
		p.notFound(w, r)
	}
}

func (p *Portal) notFound(w http.ResponseWriter, r *http.Request) {
	p.renderMessage(w, r, http.StatusNotFound, p.language(r), titleNotFound, msgPageNotFound)
}

func (p *Portal) notAllowed(w http.ResponseWriter, r *http.Request) {
	p.renderMessage(w, r, http.StatusMethodNotAllowed, p.language(r), titleNotAllowed, msgNotAllowed)
}
