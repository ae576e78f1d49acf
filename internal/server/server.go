// Package server puts the product's surfaces together behind one handler: the customer
// portal, the staff back office, the JSON API and the health checks, with the middleware
// every request passes.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/api"
	"github.com/doorstep-post/doorstep/internal/backoffice"
	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/clientip"
	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/portal"
	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/requestlog"
	"github.com/doorstep-post/doorstep/internal/store"
)

// Store is what the surfaces need of the database directly: the readiness check, and the
// back office's sessions. Everything else goes through intake and the desk.
type Store interface {
	Ping(ctx context.Context) error
	backoffice.Sessions
}

// Parts are what the product's surfaces are built from.
type Parts struct {
	Store  Store
	Intake *intake.Intake
	Desk   *desk.Desk
	// Dashboard is the monitoring dashboard's figures (back office and API).
	Dashboard *dashboard.Dashboard
	// Log gets one line per request (requestlog), with the error of a failed one.
	Log    *slog.Logger
	Portal []portal.Option
	Staff  backoffice.Options
	// TrustedProxies are the load balancers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
}

// Over builds the parts over one store, sharing one catalogue: what `doorstep serve` runs.
// The caller may adjust them (codes required, portal options) before Handler.
func Over(st store.Store, dir *postal.Directory, log *slog.Logger) Parts {
	cat := catalogue.New(st)
	return Parts{Store: st, Intake: intake.New(st, dir, cat), Desk: desk.New(st, dir, cat),
		Dashboard: dashboard.New(st, dashboard.NewHierarchy(dir), cat), Log: log}
}

// Surfaces are the product's HTTP surfaces, as Handler builds them; tests read their route
// tables.
type Surfaces struct {
	Portal     *portal.Portal
	BackOffice *backoffice.BackOffice
	API        *api.API
}

// Handler returns the whole product's HTTP handler.
func Handler(p Parts) (http.Handler, error) {
	h, _, err := Build(p)
	return h, err
}

// Build returns the whole product's HTTP handler and the surfaces behind it.
func Build(p Parts) (http.Handler, Surfaces, error) {
	if p.Store == nil || p.Intake == nil || p.Desk == nil || p.Dashboard == nil || p.Log == nil {
		return nil, Surfaces{}, errors.New("server: Parts needs a store, an intake, a desk, a dashboard and a logger")
	}
	var s Surfaces
	var err error
	if s.Portal, err = portal.New(p.Intake, p.Portal...); err != nil {
		return nil, s, err
	}
	if s.BackOffice, err = backoffice.New(p.Desk, p.Dashboard, p.Store, p.Staff); err != nil {
		return nil, s, err
	}
	s.API = api.New(p.Intake, p.Desk, p.Dashboard)
	mux := http.NewServeMux()
	s.Portal.Register(mux)
	s.BackOffice.Register(mux)
	mux.Handle(api.Prefix, s.API)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", readiness(p.Store))

	// The API's requests go to it straight: through the mux they match "/api/v1/", a subtree
	// pattern, which the ServeMux matches twice (the second time to see whether a trailing
	// slash would redirect) and allocates for. The API's own mux cleans paths and redirects
	// as this one does; everything else, "/api/v1" included, goes through this mux.
	root := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.EscapedPath(), api.Prefix) {
			s.API.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})

	// Cross-origin form posts are refused (CSRF); API clients send no browser headers and pass.
	csrf := http.NewCrossOriginProtection()
	return clientip.Behind(p.TrustedProxies, requestlog.Middleware(p.Log, csrf.Handler(root))), s, nil
}

func readiness(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := st.Ping(ctx); err != nil {
			requestlog.Fail(r.Context(), "not ready: the database does not answer", err)
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"type":"about:blank","title":"Service Unavailable","status":503,"code":"unavailable","detail":"The database does not answer."}` + "\n"))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ready\n"))
	}
}
