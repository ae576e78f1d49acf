package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
	"github.com/doorstep-post/doorstep/internal/testenv/fixture"
)

// The principals of the authorization matrix, by their relation to one request in Agra
// Division (Agra Region, Uttar Pradesh Circle), and the fixture's account each one is.
var principals = []struct{ name, username string }{
	{"anonymous", ""},
	{"division-own", "agra"},
	{"division-other", "mathura"}, // same Region and Circle
	{"region-own", "agra.region"},
	{"region-other", "lucknow.region"}, // same Circle
	{"circle-own", "up.circle"},
	{"circle-other", "delhi.circle"},
	{"admin", "admin"},
}

// Who may do what, as principal names.
var (
	everyone     = []string{"anonymous", "division-own", "division-other", "region-own", "region-other", "circle-own", "circle-other", "admin"}
	everyAccount = everyone[1:]
	seesRequest  = []string{"division-own", "region-own", "circle-own", "admin"}
	ownDivision  = []string{"division-own"}
	divisions    = []string{"division-own", "division-other"}
	adminOnly    = []string{"admin"}
	retriers     = []string{"division-own", "admin"}
	seesRegion   = []string{"region-own", "circle-own", "admin"}
	seesCircle   = []string{"circle-own", "admin"}
)

// cell is one route of the matrix.
type cell struct {
	method, path string
	form         url.Values // a form post, or with json set a JSON body
	// formOf, when set, is the body for each principal (by index), for a call that may not
	// be repeated with the same body.
	formOf  func(i int) url.Values
	json    bool
	api     bool     // bearer token instead of the session cookie
	allowed []string // the principals who may
	// public: anyone may (allowed is everyone).
	public bool
	// reached: a call succeeds unless refused for who made it (401, 403, or the login page);
	// what it then answers (a 422, a 429) is the handler's own business. Public cells are.
	reached bool
	// changed, when set, tells from the store whether the call had its effect; a refused call
	// must have none.
	changed func() bool
	reset   func() // puts things back before the next principal
	// redirect, when set, is where a successful call sends the browser.
	redirect string
}

// TestAuthorizationMatrix tries every staff page and every API endpoint as every role, of
// the request's own unit and of another, and anonymously, through the whole product's
// handler: exactly the allowed cells succeed, and a refused one learns nothing of the
// request. Every route the back office and the API register is in the matrix.
func TestAuthorizationMatrix(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		w := fixture.New(t, st)
		d := w.Desk
		h, surfaces, err := Build(Parts{Store: st, Intake: w.Intake, Desk: d, Dashboard: w.Dashboard, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()

		res, err := w.Intake.Submit(ctx, request.Submission{Name: "Shanti Kushwaha", Address: "22 Raja Mandi, behind the temple",
			Pincode: "282001", Email: "shanti@example.com", Mobile: "9876512345", Service: "pli_premium", Language: "en"}, "")
		if err != nil {
			t.Fatal(err)
		}
		req := res.Request
		ref := req.Reference.String()
		password := fixture.Password
		if _, err := d.CreateAccount(ctx, desk.System, desk.NewAccount{Username: "victim", Role: "division", Unit: "Agra Division", Password: password}); err != nil {
			t.Fatal(err)
		}
		// In progress, so that moving it to in progress again (re-assigning) can be done by
		// every allowed principal in turn.
		own := w.Actors["agra"]
		if _, err := d.Change(ctx, own, ref, request.Change{To: request.StatusInProgress, AssignedTo: "Raja Mandi SO"}, desk.AnyVersion); err != nil {
			t.Fatal(err)
		}
		notes, _ := st.NotificationsForRequest(ctx, req.ID)
		failed := notes[0].ID
		failIt := func() {
			if err := st.RecordAttempts(ctx, []store.Attempt{{NotificationID: failed, Number: 8, At: time.Now(), Err: "gateway down", Final: true}}); err != nil {
				t.Fatal(err)
			}
		}
		failIt()
		historyLen := func() int {
			r, err := st.RequestByID(ctx, req.ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(r.History)
		}
		lastLen := historyLen()
		historyGrew := func() bool {
			n := historyLen()
			grew := n > lastLen
			lastLen = n
			return grew
		}
		retried := func() bool {
			n, _ := st.Notification(ctx, failed)
			return n.Status == store.NotificationQueued
		}
		accountExists := func(name string) func() bool {
			return func() bool { _, err := st.AccountByUsername(ctx, name); return err == nil }
		}
		victimDisabled := func() bool { return mustAccount(t, st, "victim").Disabled }
		enableVictim := func() {
			if err := d.SetDisabled(ctx, desk.System, "victim", false); err != nil {
				t.Fatal(err)
			}
		}
		disableVictim := func() {
			if err := d.SetDisabled(ctx, desk.System, "victim", true); err != nil {
				t.Fatal(err)
			}
		}
		var victimPasswordAt time.Time
		notePassword := func() { victimPasswordAt = mustAccount(t, st, "victim").PasswordChangedAt }
		passwordChanged := func() bool { return mustAccount(t, st, "victim").PasswordChangedAt.After(victimPasswordAt) }
		serviceOff := func() bool {
			services, _ := st.Services(ctx)
			return !services[0].Active
		}
		services, _ := st.Services(ctx)
		serviceOn := func() {
			if err := w.Catalogue.SetActive(ctx, services[0].Code, true); err != nil {
				t.Fatal(err)
			}
		}
		targetSet := func() bool {
			services, _ := st.Services(ctx)
			return services[0].TargetHours == 12
		}
		targetBack := func() {
			if err := w.Catalogue.SetTarget(ctx, services[0].Code, request.DefaultTargetHours); err != nil {
				t.Fatal(err)
			}
		}
		// Each principal submits and tracks a request of its own: a mobile of its own.
		mobileOf := func(i int) string { return fmt.Sprintf("98700000%02d", i) }
		submission := func(i int) url.Values {
			return url.Values{"name": {"Asha Devi"}, "address": {"12 Gandhi Road, Connaught Place"}, "pincode": {"110001"},
				"email": {"asha@example.com"}, "mobile": {mobileOf(i)}, "service": {"emoney_order"}, "language": {"en"}}
		}
		publicCells := []cell{
			{method: "GET", path: "/api/v1/openapi.json", api: true, public: true},
			{method: "GET", path: "/api/v1/services", api: true, public: true},
			{method: "GET", path: "/api/v1/pincodes/282001", api: true, public: true},
			{method: "POST", path: "/api/v1/otp", api: true, json: true, public: true,
				formOf: func(i int) url.Values { return url.Values{"mobile": {mobileOf(i)}} }},
			{method: "POST", path: "/api/v1/requests", api: true, json: true, public: true, formOf: submission},
			{method: "GET", path: "/api/v1/requests?mobile=9876512345", api: true, public: true},
			{method: "GET", path: "/api/v1/requests/" + ref, api: true, public: true},
			{method: "POST", path: "/api/v1/requests/" + ref + "/cancel", api: true, json: true, public: true,
				form: url.Values{"otp": {"000000"}}},
			{method: "POST", path: "/api/v1/auth/token", api: true, json: true, public: true,
				form: url.Values{"username": {"agra"}, "password": {password}}},
		}
		reassign := url.Values{"status": {"in_progress"}, "assigned_to": {"Sadar Bazar SO"}}
		cells := append(publicCells, []cell{
			{method: "GET", path: "/staff", allowed: everyAccount},
			{method: "GET", path: "/staff/password", allowed: everyAccount},
			{method: "POST", path: "/staff/password", allowed: everyAccount, reached: true,
				form: url.Values{"current_password": {"not the password"}, "password": {"a new long password"}}},
			{method: "GET", path: "/desk", allowed: everyAccount},
			{method: "GET", path: "/desk?status=all&q=" + ref, allowed: everyAccount},
			{method: "GET", path: "/desk/export.csv", allowed: everyAccount},
			{method: "GET", path: "/desk/export.xlsx", allowed: everyAccount},
			{method: "GET", path: "/desk/requests/" + ref, allowed: seesRequest},
			{method: "GET", path: "/desk/run-sheet", allowed: divisions},
			{method: "POST", path: "/desk/requests/" + ref + "/status", allowed: ownDivision, changed: historyGrew,
				form: url.Values{"status": {"in_progress"}, "assigned_to": {"Belanganj SO"}, "version": {""}}},
			{method: "POST", path: "/desk/bulk", allowed: ownDivision, changed: historyGrew,
				form: url.Values{"ref": {ref}, "status": {"in_progress"}, "assigned_to": {"Kamla Nagar SO"}}},
			{method: "POST", path: fmt.Sprintf("/desk/requests/%s/notifications/%d/retry", ref, failed), allowed: retriers,
				changed: retried, reset: failIt},
			{method: "GET", path: "/dashboard", allowed: everyAccount},
			{method: "GET", path: "/dashboard?unit=" + url.QueryEscape("division:Agra Division"), allowed: seesRequest},
			{method: "GET", path: "/dashboard?unit=" + url.QueryEscape("region:Agra Region"), allowed: seesRegion},
			{method: "GET", path: "/dashboard?period=7d&unit=" + url.QueryEscape("circle:Uttar Pradesh Circle"), allowed: seesCircle},
			{method: "GET", path: "/dashboard?unit=india", allowed: adminOnly},
			{method: "GET", path: "/dashboard/export.csv?table=units&unit=" + url.QueryEscape("region:Agra Region"), allowed: seesRegion},
			{method: "GET", path: "/dashboard/export.xlsx?unit=" + url.QueryEscape("division:Agra Division"), allowed: seesRequest},
			{method: "GET", path: "/admin", allowed: adminOnly},
			{method: "GET", path: "/admin/accounts", allowed: adminOnly},
			{method: "POST", path: "/admin/accounts", allowed: adminOnly, changed: accountExists("made.by.matrix"),
				form: url.Values{"username": {"made.by.matrix"}, "role": {"division"}, "unit": {"Agra Division"}, "password": {password}}},
			{method: "POST", path: "/admin/accounts/victim/disable", allowed: adminOnly, changed: victimDisabled, reset: enableVictim},
			{method: "POST", path: "/admin/accounts/victim/enable", allowed: adminOnly, reset: disableVictim,
				changed: func() bool { return !victimDisabled() }},
			{method: "POST", path: "/admin/accounts/victim/password", allowed: adminOnly, changed: passwordChanged, reset: notePassword,
				form: url.Values{"password": {"a new long password"}}},
			{method: "GET", path: "/admin/audit", allowed: adminOnly},
			{method: "GET", path: "/admin/services", allowed: adminOnly},
			{method: "POST", path: "/admin/services", allowed: adminOnly, changed: serviceOff, reset: serviceOn,
				form: url.Values{"code": {services[0].Code}, "active": {"0"}}},
			{method: "POST", path: "/admin/services/" + services[0].Code + "/target", allowed: adminOnly, changed: targetSet,
				reset: targetBack, form: url.Values{"target_hours": {"12"}}},
			{method: "GET", path: "/api/v1/desk/requests", api: true, allowed: everyAccount},
			{method: "GET", path: "/api/v1/desk/requests/" + ref, api: true, allowed: seesRequest},
			{method: "POST", path: "/api/v1/desk/requests/" + ref + "/status", api: true, json: true, form: reassign,
				allowed: ownDivision, changed: historyGrew},
			{method: "GET", path: "/api/v1/dashboard", api: true, allowed: everyAccount},
			{method: "GET", path: "/api/v1/dashboard?period=30d&unit=" + url.QueryEscape("division:Agra Division"), api: true, allowed: seesRequest},
			{method: "GET", path: "/api/v1/dashboard?unit=" + url.QueryEscape("region:Agra Region"), api: true, allowed: seesRegion},
			{method: "GET", path: "/api/v1/dashboard?unit=india", api: true, allowed: adminOnly},
			// Last: these end the session or token they are made with.
			{method: "POST", path: "/staff/logout", allowed: everyAccount, redirect: "/staff/login?out=1"},
			{method: "DELETE", path: "/api/v1/auth/token", api: true, allowed: everyAccount},
		}...)
		checkEveryRouteCovered(t, surfaces, cells)

		for i, p := range principals {
			c := newClient(t, srv.URL)
			if p.username != "" {
				c.login(t, p.username, password)
			}
			for _, cl := range cells {
				if cl.reset != nil {
					cl.reset()
				}
				form := cl.form
				if cl.formOf != nil {
					form = cl.formOf(i)
				}
				if cl.path == "/desk/requests/"+ref+"/status" {
					form = cloneWith(form, "version", fmt.Sprint(historyLen()))
				}
				if cl.public {
					cl.allowed, cl.reached = everyone, true
				}
				status, location, body := c.do(t, cl, form)
				ok := status < 300 || status == http.StatusSeeOther && !strings.HasPrefix(location, "/staff/login")
				if cl.reached {
					ok = status != http.StatusUnauthorized && status != http.StatusForbidden && !strings.HasPrefix(location, "/staff/login")
				}
				if cl.redirect != "" {
					ok = status == http.StatusSeeOther && location == cl.redirect
				}
				if cl.changed != nil {
					effect := cl.changed() // asked every time: a refused call must have had none
					ok = ok && effect
					if effect && !slices.Contains(cl.allowed, p.name) {
						t.Errorf("%s %s as %s: refused or not, it had its effect", cl.method, cl.path, p.name)
					}
				}
				want := slices.Contains(cl.allowed, p.name)
				if ok != want {
					t.Errorf("%s %s as %s: status %d (Location %q): succeeded %v, want %v", cl.method, cl.path, p.name, status, location, ok, want)
				}
				if !want {
					switch {
					case p.name == "anonymous" && !cl.api && (status != http.StatusSeeOther || !strings.HasPrefix(location, "/staff/login")):
						t.Errorf("%s %s anonymously: %d %q, want a redirect to the login page", cl.method, cl.path, status, location)
					case p.name == "anonymous" && cl.api && status != http.StatusUnauthorized:
						t.Errorf("%s %s anonymously: %d, want 401", cl.method, cl.path, status)
					case p.name != "anonymous" && status != http.StatusForbidden && status != http.StatusNotFound && status != http.StatusSeeOther:
						t.Errorf("%s %s as %s: %d, want 403 or 404", cl.method, cl.path, p.name, status)
					}
					if strings.Contains(body, "Shanti") || strings.Contains(body, "9876512345") {
						t.Errorf("%s %s as %s: a refused answer shows the customer's data", cl.method, cl.path, p.name)
					}
				}
			}
		}

		// The public request page offers the customer the cancellation.
		resp, err := http.Get(srv.URL + "/requests/" + ref)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), "Cancel this request") {
			t.Error("the portal's request page offers no cancellation")
		}
	})
}

// checkEveryRouteCovered fails for a route of the back office or the API that no cell of the
// matrix calls, so that a new route cannot be added without saying who may use it.
func checkEveryRouteCovered(t *testing.T, s Surfaces, cells []cell) {
	t.Helper()
	probe := http.NewServeMux()
	var patterns []string
	for _, r := range s.BackOffice.Routes() {
		patterns = append(patterns, r.Pattern)
	}
	for _, r := range s.API.Routes() {
		patterns = append(patterns, r.Pattern)
	}
	for _, p := range patterns {
		probe.Handle(p, http.NotFoundHandler())
	}
	covered := map[string]bool{}
	for _, cl := range cells {
		r := httptest.NewRequest(cl.method, cl.path, nil)
		if _, pattern := probe.Handler(r); pattern != "" {
			covered[pattern] = true
		}
	}
	for _, p := range patterns {
		if !covered[p] {
			t.Errorf("route %q is in no cell of the authorization matrix", p)
		}
	}
}

func mustAccount(t *testing.T, st store.Store, username string) staff.Account {
	t.Helper()
	a, err := st.AccountByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func cloneWith(v url.Values, key, value string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	out.Set(key, value)
	return out
}

// client is one principal's browser (a cookie jar) and API token.
type client struct {
	base  string
	http  *http.Client
	token string
}

func newClient(t *testing.T, base string) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{base: base, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (c *client) login(t *testing.T, username, password string) {
	t.Helper()
	resp, err := c.http.PostForm(c.base+"/staff/login", url.Values{"username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || strings.HasPrefix(resp.Header.Get("Location"), "/staff/login") {
		t.Fatalf("web login as %s: %d %s", username, resp.StatusCode, resp.Header.Get("Location"))
	}
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	resp, err = c.http.Post(c.base+"/api/v1/auth/token", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("token for %s: %d %v", username, resp.StatusCode, err)
	}
	c.token = tok.Token
}

func (c *client) do(t *testing.T, cl cell, form url.Values) (int, string, string) {
	t.Helper()
	var body io.Reader
	contentType := ""
	switch {
	case cl.json:
		m := map[string]string{}
		for k := range form {
			m[k] = form.Get(k)
		}
		b, _ := json.Marshal(m)
		body, contentType = strings.NewReader(string(b)), "application/json"
	case form != nil:
		body, contentType = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	}
	r, err := http.NewRequest(cl.method, c.base+cl.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if cl.api && c.token != "" {
		r.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}
