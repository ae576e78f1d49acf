package backoffice_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/server"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/sqlite"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

func TestLoginAndLogout(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		r := w.submit(t, "282001", "9811111111")
		b := w.browser(t)

		// A page asked for without a session leads to the login, and back to it after.
		p := b.get("/desk/requests/" + string(r.Reference))
		if p.url.Path != "/staff/login" || p.url.Query().Get("next") != "/desk/requests/"+string(r.Reference) ||
			!p.has("Please log in to see that page.") {
			t.Fatalf("not logged in: ended at %s", p.url)
		}
		p = b.post("/staff/login", url.Values{"username": {"Agra"}, "password": {password}, "next": {p.url.Query().Get("next")}})
		if p.status != http.StatusOK || p.url.Path != "/desk/requests/"+string(r.Reference) || !p.has("14 Sadar Bazaar") {
			t.Fatalf("login with next: %d at %s", p.status, p.url)
		}
		if got := p.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control %q", got)
		}
		if !p.has("agra") || !p.has("Division staff: Agra Division") || !p.has(`action="/staff/logout"`) {
			t.Error("the page does not say who is logged in, or has no logout")
		}

		// Logged out: the session is gone, and the logout is in the audit log.
		p = b.post("/staff/logout", nil)
		if p.url.Path != "/staff/login" || !p.has("You have logged out.") {
			t.Fatalf("logout ended at %s", p.url)
		}
		if p = b.get("/desk"); p.url.Path != "/staff/login" {
			t.Errorf("after logout /desk ended at %s", p.url)
		}
		if e := w.audit(t, audit.Query{Action: "logout"}); len(e) != 1 || e[0].Actor != "agra" || e[0].IP != "127.0.0.1" {
			t.Errorf("logout audit %+v", e)
		}
	})
}

// noRedirects is a browser that stops at each redirect, to read it.
func (w *world) noRedirects(t *testing.T) *browser {
	b := w.browser(t)
	b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return b
}

func TestLoginRedirectAndCookie(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testenv.SQLite(t))
	// The login page sends on only to the back office's own pages; else the admin goes to the
	// national dashboard.
	for next, want := range map[string]string{
		"//evil.example/x":            "/dashboard",
		"https://evil.example/desk":   "/dashboard",
		"/\\evil.example":             "/dashboard",
		"/track?q=1":                  "/dashboard",
		"/staff/login":                "/dashboard",
		"/admin/audit?actor=agra":     "/admin/audit?actor=agra",
		"/desk/export.csv?status=all": "/desk/export.csv?status=all",
		"/dashboard?unit=india":       "/dashboard?unit=india",
	} {
		b := w.noRedirects(t)
		p := b.post("/staff/login", url.Values{"username": {"admin"}, "password": {password}, "next": {next}})
		if got := p.header.Get("Location"); p.status != http.StatusSeeOther || got != want {
			t.Errorf("login with next=%q: %d to %q, want %s", next, p.status, got, want)
		}
	}

	b := w.noRedirects(t)
	p := b.post("/staff/login", url.Values{"username": {"agra"}, "password": {password}})
	cookie := p.header.Get("Set-Cookie")
	for _, want := range []string{"doorstep_staff=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	// Only a hash of the token is kept in the database.
	token := strings.TrimPrefix(strings.Split(cookie, ";")[0], "doorstep_staff=")
	if _, found, err := w.st.FindSession(context.Background(), token, time.Now()); err != nil || found {
		t.Errorf("the session is stored under its clear token: %v %v", found, err)
	}
	// A logged-in person asking for the login page goes on to the desk.
	if p := b.get("/staff/login"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/desk" {
		t.Errorf("login page when logged in: %d %q", p.status, p.header.Get("Location"))
	}
}

func TestLockout(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testenv.SQLite(t))
	b := w.browser(t)
	// Every refusal, locked or not, is the page an unknown username gets (but for the
	// username typed, which is kept): a caller cannot tell which accounts exist or are
	// locked.
	nobody := b.post("/staff/login", url.Values{"username": {"nobody"}, "password": {"not the password"}})
	if nobody.status != http.StatusUnprocessableEntity || !nobody.has("Wrong username or password.") {
		t.Fatalf("unknown user: %d", nobody.status)
	}
	same := func(what string, p page) {
		t.Helper()
		if p.status != nobody.status || strings.ReplaceAll(p.body, `value="agra"`, `value="nobody"`) != nobody.body {
			t.Errorf("%s: %d, a page other than an unknown username's:\n%s", what, p.status, p.body)
		}
	}
	for i := 1; i <= staff.MaxFailedLogins; i++ {
		p := b.post("/staff/login", url.Values{"username": {"agra"}, "password": {"not the password"}})
		if p.status != http.StatusUnprocessableEntity || p.url.Path != "/staff/login" {
			t.Fatalf("wrong password %d: %d at %s", i, p.status, p.url)
		}
		if !p.has(`value="agra"`) || p.has("not the password") {
			t.Errorf("wrong password %d: the username is not kept, or the password is", i)
		}
		same(fmt.Sprintf("wrong password %d", i), p)
	}
	// Even the right password is refused while the account is locked.
	same("right password while locked", b.post("/staff/login", url.Values{"username": {"agra"}, "password": {password}}))
	if e := w.audit(t, audit.Query{Action: "account_locked"}); len(e) != 1 || e[0].Target != "agra" {
		t.Errorf("lock audit %+v", e)
	}
}

// TestDisabledAccount: a disabled account cannot log in, and its open session ends at once.
func TestDisabledAccount(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		agra := w.loggedIn(t, "agra")
		admin := w.loggedIn(t, "admin")
		p := admin.post("/admin/accounts/agra/disable", nil)
		if p.url.Path != "/admin/accounts" || !p.has("Account agra is disabled") {
			t.Fatalf("disable: %d at %s", p.status, p.url)
		}
		p = agra.get("/desk")
		if p.url.Path != "/staff/login" || !p.has("Your session has ended") {
			t.Errorf("the disabled account's session: %d at %s", p.status, p.url)
		}
		p = agra.post("/staff/login", url.Values{"username": {"agra"}, "password": {password}})
		if p.url.Path != "/staff/login" || !p.has("This account is disabled.") {
			t.Errorf("login of a disabled account: %d at %s", p.status, p.url)
		}
		if p = admin.post("/admin/accounts/admin/disable", nil); !p.has("You cannot disable your own account.") {
			t.Errorf("admin disabling itself: %d at %s", p.status, p.url)
		}
		if p = admin.post("/admin/accounts/agra/enable", nil); !p.has("Account agra is enabled again.") {
			t.Errorf("enable: %d at %s", p.status, p.url)
		}
		agra.login("agra")
	})
}

// TestPasswordChange: the new password works, other sessions end, this one goes on.
func TestPasswordChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testenv.SQLite(t))
	here := w.loggedIn(t, "agra")
	elsewhere := w.loggedIn(t, "agra")
	p := here.post("/staff/password", url.Values{"current_password": {"wrong"}, "password": {"short"}, "password_again": {"short"}})
	if p.status != http.StatusUnprocessableEntity || !p.has("This is not your current password.") || !p.has("at least 10 characters") {
		t.Fatalf("bad change: %d\n%s", p.status, p.body)
	}
	p = here.post("/staff/password", url.Values{"current_password": {password}, "password": {"a new long password"}, "password_again": {"a new long passwort"}})
	if p.status != http.StatusUnprocessableEntity || !p.has("The two new passwords are not the same.") {
		t.Fatalf("mismatch: %d", p.status)
	}
	p = here.post("/staff/password", url.Values{"current_password": {password}, "password": {"a new long password"}, "password_again": {"a new long password"}})
	if p.url.Path != "/desk" || !p.has("Your password is changed.") {
		t.Fatalf("change: %d at %s", p.status, p.url)
	}
	if p = here.get("/desk"); p.url.Path != "/desk" {
		t.Errorf("this session after the change: at %s", p.url)
	}
	if p = elsewhere.get("/desk"); p.url.Path != "/staff/login" {
		t.Errorf("another session after the change: at %s", p.url)
	}
}

// TestSessionSurvivesRestart: a new process over the same database file, with a new session
// manager, knows the cookie.
func TestSessionSurvivesRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "doorstep.db")
	open := func() *sqlite.Store {
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		return st
	}
	first := open()
	w := newWorld(t, first)
	b := w.loggedIn(t, "agra")
	w.srv.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second := open()
	t.Cleanup(func() { second.Close() })
	dir := testenv.Directory(t)
	srv := serve(t, desk.New(second, dir, catalogue.New(second)), dashboard.New(second, dashboard.NewHierarchy(dir), catalogue.New(second)), second, w.logs)
	b.base = srv.URL // the same host: the cookie jar sends the cookie there
	if p := b.get("/desk"); p.status != http.StatusOK || p.url.Path != "/desk" || !p.has("Division staff: Agra Division") {
		t.Errorf("after the restart: %d at %s", p.status, p.url)
	}
}

// TestCrossOriginPostRefused: a form posted from another site to a state-changing staff route
// is refused by the server before it reaches the back office.
func TestCrossOriginPostRefused(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		r := w.submit(t, "282001", "9811111111")
		h, err := server.Handler(server.Parts{Store: st, Intake: w.in, Desk: w.desk, Dashboard: w.Dashboard,
			Log: slog.New(slog.NewTextHandler(w.logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		b := w.browser(t)
		b.base = srv.URL
		b.login("agra")
		for _, path := range []string{"/desk/requests/" + string(r.Reference) + "/status", "/staff/logout", "/staff/login"} {
			form := url.Values{"status": {"in_progress"}, "version": {"1"}, "username": {"agra"}, "password": {password}}
			req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "https://evil.example")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			if p := b.do(req); p.status != http.StatusForbidden {
				t.Errorf("cross-origin post to %s: %d, want 403", path, p.status)
			}
		}
		if got := w.request(t, r); got.Status != "submitted" {
			t.Errorf("the request was changed: %s", got.Status)
		}
		if p := b.get("/desk"); p.url.Path != "/desk" {
			t.Errorf("the session was ended by the refused logout: at %s", p.url)
		}
		if e := w.audit(t, audit.Query{Action: "logout"}); len(e) != 0 {
			t.Errorf("logout audited: %+v", e)
		}
	})
}
