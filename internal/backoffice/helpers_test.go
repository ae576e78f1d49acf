package backoffice_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/backoffice"
	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/requestlog"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
	"github.com/doorstep-post/doorstep/internal/testenv/fixture"
)

const password = fixture.Password

// world is the fixture's world with the back office served over it.
type world struct {
	*fixture.World
	st    store.Store
	desk  *desk.Desk
	in    *intake.Intake
	srv   *httptest.Server
	logs  *testenv.Logs
	users map[string]desk.Actor
}

func newWorld(t *testing.T, st store.Store) *world {
	t.Helper()
	f := fixture.New(t, st)
	w := &world{World: f, st: st, desk: f.Desk, in: f.Intake, logs: &testenv.Logs{}, users: f.Actors}
	w.srv = serve(t, w.desk, f.Dashboard, st, w.logs)
	return w
}

// serve starts the back office over d and st, with the request log and cross-origin
// protection the server puts in front of it.
func serve(t *testing.T, d *desk.Desk, dash *dashboard.Dashboard, st store.Store, logs io.Writer) *httptest.Server {
	t.Helper()
	back, err := backoffice.New(d, dash, st, backoffice.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	back.Register(mux)
	log := slog.New(slog.NewTextHandler(logs, nil))
	srv := httptest.NewServer(requestlog.Middleware(log, http.NewCrossOriginProtection().Handler(mux)))
	t.Cleanup(srv.Close)
	return srv
}

// submit makes a customer's request at pincode (282001 is in Agra Division, 281001 in
// Mathura Division); mobiles must differ, or the second is a duplicate of the first.
func (w *world) submit(t *testing.T, pincode, mobile string) request.Request {
	t.Helper()
	return w.Submit(t, pincode, mobile)
}

// browser is a person at a browser: cookies kept, redirects followed.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (w *world) browser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: w.srv.URL, c: &http.Client{Jar: jar}}
}

// page is a response as the browser ended up with it.
type page struct {
	status int
	body   string
	url    *url.URL // after redirects
	header http.Header
}

func (p page) has(s string) bool { return strings.Contains(p.body, s) }

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{status: resp.StatusCode, body: string(body), url: resp.Request.URL, header: resp.Header}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// What a browser sends with a form of the same site; the cross-origin check lets it by.
	req.Header.Set("Origin", b.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// login logs in and expects to land on the desk, or on the dashboard for those who watch.
func (b *browser) login(username string) page {
	b.t.Helper()
	p := b.post("/staff/login", url.Values{"username": {username}, "password": {password}})
	if p.status != http.StatusOK || p.url.Path != "/desk" && p.url.Path != "/dashboard" {
		b.t.Fatalf("login %s: ended at %s with %d:\n%s", username, p.url, p.status, p.body)
	}
	return p
}

// loggedIn is a browser with username logged in.
func (w *world) loggedIn(t *testing.T, username string) *browser {
	t.Helper()
	b := w.browser(t)
	b.login(username)
	return b
}

// notifications lists a request's messages as "channel/kind/status".
func (w *world) notifications(t *testing.T, r request.Request) []string {
	t.Helper()
	notes, err := w.st.NotificationsForRequest(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range notes {
		out = append(out, fmt.Sprintf("%s/%s/%s", n.Channel, n.Kind, n.Status))
	}
	return out
}

// audit lists the actions of the audit log matching q, newest first.
func (w *world) audit(t *testing.T, q audit.Query) []audit.Entry {
	t.Helper()
	entries, err := w.st.AuditLog(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func (w *world) request(t *testing.T, r request.Request) request.Request {
	t.Helper()
	got, err := w.st.RequestByID(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
