package portal_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/portal"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/requestlog"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// What the good form below holds that a public page or a log must never show.
var personal = []string{"Asha", "Devi", "9876543210", "98765 43210", "asha@example.com", "Gandhi Road", "Rs 2000"}

// goodForm is a complete, valid form.
func goodForm(token string) url.Values {
	return url.Values{
		"service":    {"article_booking"},
		"name":       {"Asha Devi"},
		"address":    {"12 Gandhi Road, Connaught Place"},
		"pincode":    {"110001"},
		"mobile":     {"+91 98765 43210"},
		"email":      {"asha@example.com"},
		"details":    {"Rs 2000, after 4 pm"},
		"language":   {"hi"},
		"form_token": {token},
	}
}

type site struct {
	t      *testing.T
	srv    *httptest.Server
	st     store.Store
	in     *intake.Intake
	logs   *testenv.Logs
	client *http.Client // follows no redirects
}

// newPortal runs the portal on a fresh database. now, if not nil, is the intake's clock. At
// the end of the test the logs are checked for personal data.
func newPortal(t *testing.T, st store.Store, now func() time.Time) *site {
	t.Helper()
	dir := testenv.Directory(t)
	in := intake.New(st, dir, catalogue.New(st))
	if now != nil {
		in = in.WithClock(now)
	}
	return newPortalWith(t, st, in)
}

// newPortalWith runs the portal over a given intake.
func newPortalWith(t *testing.T, st store.Store, in *intake.Intake, opts ...portal.Option) *site {
	t.Helper()
	logs := &testenv.Logs{}
	p, err := portal.New(in, opts...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	p.Register(mux)
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httptest.NewServer(requestlog.Middleware(log, mux))
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		out := logs.String()
		for _, s := range personal {
			if strings.Contains(out, s) {
				t.Errorf("the log shows %q:\n%s", s, out)
			}
		}
	})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &site{t: t, srv: srv, st: st, in: in, logs: logs, client: client}
}

func (p *site) do(req *http.Request) (*http.Response, string) {
	p.t.Helper()
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		p.t.Fatal(err)
	}
	return resp, string(body)
}

func (p *site) get(path string) (*http.Response, string) {
	p.t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.srv.URL+path, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	return p.do(req)
}

func (p *site) post(form url.Values) (*http.Response, string) {
	p.t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.srv.URL+"/requests", strings.NewReader(form.Encode()))
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return p.do(req)
}

// token fetches the form and returns its form_token.
func (p *site) token() string {
	p.t.Helper()
	_, body := p.get("/")
	return formToken(p.t, body)
}

// submit sends form and expects a 303; it returns the redirect's target.
func (p *site) submit(form url.Values) string {
	p.t.Helper()
	resp, body := p.post(form)
	if resp.StatusCode != http.StatusSeeOther {
		p.t.Fatalf("submit: status %d, want 303\n%s", resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

// requestsOf lists a mobile's requests as saved, with every field.
func (p *site) requestsOf(mobile string) []request.Request {
	p.t.Helper()
	reqs, err := p.st.DeskRequests(context.Background(), store.DeskQuery{Mobile: mobile, NewestFirst: true})
	if err != nil {
		p.t.Fatal(err)
	}
	return reqs
}

var tokenPattern = regexp.MustCompile(`<input type="hidden" name="form_token" value="([^"]*)">`)

func formToken(t *testing.T, body string) string {
	t.Helper()
	m := tokenPattern.FindAllStringSubmatch(body, -1)
	if len(m) != 1 {
		t.Fatalf("%d form_token fields in\n%s", len(m), body)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`).MatchString(m[0][1]) {
		t.Fatalf("form_token %q is not a random URL-safe token", m[0][1])
	}
	return m[0][1]
}

// group is the part of the form page that belongs to one field: from its data-field marker
// to the next field's, unescaped so that messages can be compared as written.
func group(t *testing.T, body, field string) string {
	t.Helper()
	start := strings.Index(body, `data-field="`+field+`"`)
	if start < 0 {
		t.Fatalf("no field %q on the page", field)
	}
	rest := body[start+len(field)+13:]
	end := len(rest)
	for _, marker := range []string{`data-field="`, `</form>`} {
		if i := strings.Index(rest, marker); i >= 0 && i < end {
			end = i
		}
	}
	return html.UnescapeString(body[start : start+len(field)+13+end])
}

func checkStatus(t *testing.T, resp *http.Response, body string, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", resp.Request.Method, resp.Request.URL, resp.StatusCode, want, body)
	}
}

func checkContains(t *testing.T, body string, want ...string) {
	t.Helper()
	text := html.UnescapeString(body)
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func checkLacks(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	text := html.UnescapeString(body)
	for _, u := range unwanted {
		if strings.Contains(text, u) {
			t.Errorf("page shows %q", u)
		}
	}
}

var seededServices = []string{"article_booking", "article_delivery", "emoney_order", "aeps_cash", "ippb_other", "pli_premium", "small_savings"}

func TestFormListsActiveServicesWithAToken(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		p := newPortal(t, st, nil)
		resp, body := p.get("/")
		checkStatus(t, resp, body, http.StatusOK)
		if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("Content-Type = %q", got)
		}
		if n := strings.Count(body, `<input type="radio" name="service"`); n != len(seededServices) {
			t.Errorf("%d services listed, want %d", n, len(seededServices))
		}
		for _, code := range seededServices {
			checkContains(t, body, `value="`+code+`"`)
		}
		checkContains(t, body,
			"e-Money Order", `<span class="option-name-hi" lang="hi">ई-मनी ऑर्डर</span>`, "Send a money order from your doorstep.",
			`name="name"`, `<textarea id="address" name="address"`, `inputmode="numeric"`, `type="tel" id="mobile"`,
			`type="email" id="email"`, `<textarea id="details" name="details" rows="3" maxlength="500"`,
			`id="language-en" value="en" checked`, `<label for="language-hi" lang="hi">हिन्दी</label>`)
		first := formToken(t, body)
		if second := p.token(); second == first {
			t.Errorf("the form was shown twice with the same token %q", first)
		}
	})
}

func TestPagesWorkOnPhonesWithoutScript(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		p := newPortal(t, st, nil)
		for _, path := range []string{"/", "/track", "/track?q=DS-AAAAA-AAAAA", "/no/such/page"} {
			_, body := p.get(path)
			checkContains(t, body, `<!doctype html>`, `<html lang="en">`,
				`<meta name="viewport" content="width=device-width, initial-scale=1">`)
			if strings.Contains(strings.ToLower(body), "<script") || strings.Contains(body, " style=") {
				t.Errorf("%s has a script or an inline style", path)
			}
			if len(body) > 30<<10 {
				t.Errorf("%s is %d bytes: too heavy for a slow network", path, len(body))
			}
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		p := newPortal(t, st, nil)
		loc := p.submit(goodForm(p.token()))
		for _, path := range []string{"/", loc, "/track?q=9876543210", "/nope", "/static/style.css"} {
			resp, _ := p.get(path)
			for header, want := range map[string]string{
				"Content-Security-Policy": "default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "no-referrer",
			} {
				if got := resp.Header.Get(header); got != want {
					t.Errorf("%s: %s = %q, want %q", path, header, got, want)
				}
			}
			if path != "/static/style.css" && resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: Cache-Control = %q, want no-store", path, resp.Header.Get("Cache-Control"))
			}
		}
	})
}

func TestInactiveServiceIsNotOfferedAndIsRefused(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		p := newPortal(t, st, nil)
		if err := p.in.Catalogue().SetActive(context.Background(), "emoney_order", false); err != nil {
			t.Fatal(err)
		}
		_, body := p.get("/")
		if strings.Contains(body, `value="emoney_order"`) || strings.Contains(body, "e-Money Order") {
			t.Error("the form offers a switched-off service")
		}
		if n := strings.Count(body, `name="service"`); n != len(seededServices)-1 {
			t.Errorf("%d services listed, want %d", n, len(seededServices)-1)
		}
		form := goodForm(formToken(t, body))
		form.Set("service", "emoney_order")
		resp, body := p.post(form)
		checkStatus(t, resp, body, http.StatusUnprocessableEntity)
		if g := group(t, body, "service"); !strings.Contains(g, `"e-Money Order" is not available at the moment`) {
			t.Errorf("no message at the service field:\n%s", g)
		}
		if n := len(p.requestsOf("9876543210")); n != 0 {
			t.Errorf("%d requests saved", n)
		}
	})
}

func TestGoodSubmissionRedirectsToItsPage(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		p := newPortal(t, st, nil)
		loc := p.submit(goodForm(p.token()))
		m := regexp.MustCompile(`^/requests/(DS[2-9A-HJKMNP-Z]{10})$`).FindStringSubmatch(loc)
		if m == nil {
			t.Fatalf("redirected to %q, want /requests/DSXXXXXXXXXX", loc)
		}
		ref := request.Reference(m[1])
		saved := p.requestsOf("9876543210")
		if len(saved) != 1 || saved[0].Reference != ref {
			t.Fatalf("saved %+v, want one request %s", saved, ref)
		}
		if saved[0].Language != request.Hindi || saved[0].Details != "Rs 2000, after 4 pm" {
			t.Errorf("saved language %q, details %q", saved[0].Language, saved[0].Details)
		}

		resp, body := p.get(loc)
		checkStatus(t, resp, body, http.StatusOK)
		checkContains(t, body, `<p class="reference">`+ref.String()+`</p>`, "Request received", "What happens next",
			"A post office of the New Delhi GPO Division will contact you", `href="/track"`, "SMS", "e-mail",
			"Booking of Speed Post, registered or parcel articles", `<span lang="hi">स्पीड पोस्ट`,
			"New Delhi GPO Division", "Delhi Circle", "A. D.", "******3210", "Submitted")
		checkLacks(t, body, personal...)
		checkLacks(t, body, "already exists")
		if n := strings.Count(body, `<li><span class="history-status">Submitted</span>`); n != 1 {
			t.Errorf("history has %d submitted entries, want 1", n)
		}
		// The page is found by the reference in any form.
		for _, path := range []string{"/requests/" + url.PathEscape(ref.String()), "/requests/" + strings.ToLower(string(ref))} {
			resp, body := p.get(path)
			checkStatus(t, resp, body, http.StatusOK)
			checkContains(t, body, ref.String())
		}
	})
}

func TestDatesAreShownInIndianTime(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		at := time.Date(2026, 11, 27, 8, 35, 0, 0, time.UTC)
		p := newPortal(t, st, func() time.Time { return at })
		loc := p.submit(goodForm(p.token()))
		_, body := p.get(loc)
		checkContains(t, body, "27 Nov 2026, 14:05", `datetime="2026-11-27T14:05+05:30"`)
		_, body = p.get("/track?q=9876543210")
		checkContains(t, body, "27 Nov 2026, 14:05")
	})
}

func TestSameFormSentTwiceMakesOneRequest(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		p := newPortal(t, st, nil)
		form := goodForm(p.token())
		first := p.submit(form)
		second := p.submit(form)
		if first != second {
			t.Errorf("the same form made %s and %s", first, second)
		}
		if n := len(p.requestsOf("9876543210")); n != 1 {
			t.Errorf("%d requests saved, want 1", n)
		}
	})
}

func TestNewFormForAnOpenRequestShowsTheDuplicate(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		p := newPortal(t, st, nil)
		first := p.submit(goodForm(p.token()))
		again := goodForm(p.token())
		again.Set("name", "Asha D.")
		again.Set("mobile", "09876543210")
		again.Set("pincode", "110 001")
		loc := p.submit(again)
		if loc != first+"?duplicate=1" {
			t.Fatalf("second form redirected to %q, want %q", loc, first+"?duplicate=1")
		}
		resp, body := p.get(loc)
		checkStatus(t, resp, body, http.StatusOK)
		checkContains(t, body, "An open request for the same service and pincode already exists, so no new request was made.")
		checkLacks(t, body, "Request received")
		ref, _ := request.ParseReference(strings.TrimPrefix(first, "/requests/"))
		checkContains(t, body, ref.String())
		if n := len(p.requestsOf("9876543210")); n != 1 {
			t.Errorf("%d requests saved, want 1", n)
		}
	})
}

func TestFormChangedAfterSendingGetsAFreshToken(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		p := newPortal(t, st, nil)
		form := goodForm(p.token())
		p.submit(form)
		form.Set("pincode", "400001") // back button, edit, send again: same token, other content
		resp, body := p.post(form)
		checkStatus(t, resp, body, http.StatusConflict)
		checkContains(t, body, "This form was sent once already and then changed")
		if tok := formToken(t, body); tok == form.Get("form_token") {
			t.Error("the form came back with the used token")
		}
		if g := group(t, body, "pincode"); !strings.Contains(g, `value="400001"`) {
			t.Errorf("the pincode typed is lost:\n%s", g)
		}
		// Sending it again as it came back makes the new request.
		form.Set("form_token", formToken(t, body))
		p.submit(form)
		if n := len(p.requestsOf("9876543210")); n != 2 {
			t.Errorf("%d requests saved, want 2", n)
		}
	})
}

func TestMissingOrMalformedTokenIsRefused(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		for name, token := range map[string]*string{
			"missing":      nil,
			"empty":        ptr(""),
			"not URL-safe": ptr("abc def+/"),
			"too long":     ptr(strings.Repeat("a", 65)),
		} {
			t.Run(name, func(t *testing.T) {
				p := newPortal(t, st, nil)
				form := goodForm("")
				if token == nil {
					form.Del("form_token")
				} else {
					form.Set("form_token", *token)
				}
				resp, body := p.post(form)
				checkStatus(t, resp, body, http.StatusBadRequest)
				checkContains(t, body, "This form had expired or was incomplete, so nothing was sent.")
				formToken(t, body) // a fresh, valid one
				if g := group(t, body, "name"); !strings.Contains(g, `value="Asha Devi"`) {
					t.Errorf("the name typed is lost:\n%s", g)
				}
				if n := len(p.requestsOf("9876543210")); n != 0 {
					t.Errorf("%d requests saved", n)
				}
			})
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestEveryBadFieldGetsItsOwnMessage(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		tests := []struct {
			field, value, message string
		}{
			{"service", "", "Please choose the service you need."},
			{"service", "nope", `There is no service "nope". Please choose one from the list.`},
			{"name", "A", "A name needs at least 2 letters."},
			{"name", "R2D2", "A name can have letters, spaces, dots, apostrophes and hyphens, but not '2'."},
			{"address", "short", "The address looks too short"},
			{"pincode", "", "Please enter the 6-digit pincode of the address."},
			{"pincode", "12", "A pincode has 6 digits and does not start with 0, like 110001."},
			{"pincode", "999999", "We do not have pincode 999999 in the India Post directory. Please check it."},
			{"mobile", "12345", "An Indian mobile number has 10 digits, like 98765 43210."},
			{"email", "asha@", "Please enter an e-mail address like name@example.com."},
			{"details", strings.Repeat("x", 501), "Details can be at most 500 characters; you typed 501."},
			{"language", "fr", `Language must be "en" (English) or "hi" (Hindi).`},
		}
		anchors := map[string]string{"service": "service-article_booking", "language": "language-en"}
		for _, tc := range tests {
			t.Run(tc.field+"="+tc.value, func(t *testing.T) {
				p := newPortal(t, st, nil)
				form := goodForm(p.token())
				form.Set(tc.field, tc.value)
				resp, body := p.post(form)
				checkStatus(t, resp, body, http.StatusUnprocessableEntity)
				checkContains(t, body, "<title>Error: ")

				g := group(t, body, tc.field)
				if !strings.Contains(g, `<p class="error-message" id="`+tc.field+`-error">`) || !strings.Contains(g, tc.message) {
					t.Errorf("no message %q at %s:\n%s", tc.message, tc.field, g)
				}
				if !strings.Contains(g, `aria-invalid="true"`) || !strings.Contains(g, tc.field+`-error"`) {
					t.Errorf("%s is not marked invalid and described by its message:\n%s", tc.field, g)
				}
				anchor := tc.field
				if a, ok := anchors[tc.field]; ok {
					anchor = a
				}
				summary := body[:strings.Index(body, "<form")]
				if !strings.Contains(html.UnescapeString(summary), `<a href="#`+anchor+`">`+tc.message) {
					t.Errorf("the summary at the top does not link %q to #%s", tc.message, anchor)
				}
				if formToken(t, body) != form.Get("form_token") {
					t.Error("the token changed: sending the corrected form would not be idempotent")
				}

				// Every other field is unmarked and keeps what was typed.
				kept := map[string]string{
					"service":  `value="article_booking" checked`,
					"name":     `value="Asha Devi"`,
					"address":  ">12 Gandhi Road, Connaught Place</textarea>",
					"pincode":  `value="110001"`,
					"mobile":   `value="+91 98765 43210"`,
					"email":    `value="asha@example.com"`,
					"details":  ">Rs 2000, after 4 pm</textarea>",
					"language": `value="hi" checked`,
				}
				for field, want := range kept {
					if field == tc.field {
						continue
					}
					g := group(t, body, field)
					if !strings.Contains(g, want) {
						t.Errorf("%s lost its value %s:\n%s", field, want, g)
					}
					if strings.Contains(g, "error-message") || strings.Contains(g, "aria-invalid") {
						t.Errorf("%s is marked wrong:\n%s", field, g)
					}
				}
				if n := len(p.requestsOf("9876543210")); n != 0 {
					t.Errorf("%d requests saved", n)
				}
			})
		}
	})
}

func TestEmptyFormMarksEveryRequiredField(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		p := newPortal(t, st, nil)
		resp, body := p.post(url.Values{"form_token": {p.token()}, "details": {strings.Repeat("é", 501)}, "language": {"xx"}})
		checkStatus(t, resp, body, http.StatusUnprocessableEntity)
		for _, field := range []string{"service", "name", "address", "pincode", "mobile", "email", "details", "language"} {
			if g := group(t, body, field); !strings.Contains(g, `id="`+field+`-error"`) {
				t.Errorf("no message at %s", field)
			}
		}
		if n := strings.Count(body, `<li><a href="#`); n != 8 {
			t.Errorf("summary has %d entries, want 8", n)
		}
		if g := group(t, body, "details"); !strings.Contains(g, strings.Repeat("é", 501)+"</textarea>") {
			t.Error("the details typed are lost")
		}
	})
}

func TestOversizedFormIsRefused(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		p := newPortal(t, st, nil)
		form := goodForm(p.token())
		form.Set("details", strings.Repeat("x", 70<<10))
		resp, body := p.post(form)
		checkStatus(t, resp, body, http.StatusRequestEntityTooLarge)
		checkContains(t, body, "The form was too large to send.")
		formToken(t, body)
	})
}

func TestFailureSavesNothingAndSaysSo(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		p := newPortal(t, st, nil)
		form := goodForm(p.token())
		p.st.Close() // the database goes away
		resp, body := p.post(form)
		checkStatus(t, resp, body, http.StatusInternalServerError)
		checkContains(t, body, "your request was not saved", "Please try again")
		// What the customer typed comes back to them with the same token, so sending the
		// form again is safe and nothing is lost.
		checkContains(t, body, "Gandhi Road", form.Get("form_token"))
		if !strings.Contains(p.logs.String(), "level=ERROR") {
			t.Errorf("the failure is not logged:\n%s", p.logs.String())
		}
	})
}

func TestTrack(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		p := newPortal(t, st, nil)
		firstLoc := p.submit(goodForm(p.token()))
		other := goodForm(p.token())
		other.Set("service", "pli_premium")
		secondLoc := p.submit(other)
		first, _ := request.ParseReference(strings.TrimPrefix(firstLoc, "/requests/"))
		second, _ := request.ParseReference(strings.TrimPrefix(secondLoc, "/requests/"))

		body := string(second[2:])
		typo := []byte(body)
		typo[4] = map[bool]byte{true: 'B', false: 'C'}[typo[4] != 'B']
		unknown := request.NewReference()

		tests := []struct {
			name   string
			q      string
			status int
			want   []string
		}{
			{"empty", "", http.StatusOK, []string{`<input type="text" id="q" name="q" value=""`}},
			{"reference, any case, with spaces", " ds " + strings.ToLower(body[:5]) + " " + strings.ToLower(body[5:]) + " ", http.StatusOK,
				[]string{`<a href="/requests/` + string(second) + `" class="reference-link">` + second.String() + `</a>`,
					"Postal Life Insurance", "Submitted", "New Delhi GPO Division", "A. D.", "******3210"}},
			{"printed reference", second.String(), http.StatusOK, []string{second.String()}},
			{"mobile, +91 form", "+91 98765 43210", http.StatusOK,
				[]string{"Requests made with mobile number ******3210", first.String(), second.String(), "Booking of Speed Post"}},
			{"mobile, 10 digits", "9876543210", http.StatusOK, []string{first.String(), second.String()}},
			{"one wrong character", "DS" + string(typo), http.StatusUnprocessableEntity,
				[]string{"This reference number has a typing mistake; please check each character.", `value="DS` + string(typo) + `"`, `aria-invalid="true"`}},
			{"unknown reference", unknown.String(), http.StatusNotFound, []string{"We have no request with reference " + unknown.String() + "."}},
			{"not a reference", "DS-ABC", http.StatusUnprocessableEntity, []string{"A reference number looks like DS-7KQ4M-9XP3C", `value="DS-ABC"`}},
			{"short mobile", "98765 4321", http.StatusUnprocessableEntity, []string{"An Indian mobile number has 10 digits", `value="98765 4321"`}},
			{"mobile without requests", "91234 56789", http.StatusNotFound, []string{"We have no requests made with the mobile number ending in 6789."}},
			{"far too long", strings.Repeat("A", 200), http.StatusUnprocessableEntity, []string{"too long"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				resp, page := p.get("/track?q=" + url.QueryEscape(tc.q))
				checkStatus(t, resp, page, tc.status)
				checkContains(t, page, `<form method="get" action="/track"`)
				checkContains(t, page, tc.want...)
				checkLacks(t, page, "Asha", "asha@example.com", "Gandhi Road", "Rs 2000")
				if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
					t.Errorf("Cache-Control %q, Referrer-Policy %q", resp.Header.Get("Cache-Control"), resp.Header.Get("Referrer-Policy"))
				}
				if tc.status != http.StatusOK && strings.Contains(page, `class="card"`) {
					t.Error("results shown for a failed search")
				}
			})
		}

		// By mobile, newest first.
		_, page := p.get("/track?q=" + url.QueryEscape("+91 98765 43210"))
		if i, j := strings.Index(page, second.String()), strings.Index(page, first.String()); i < 0 || j < 0 || i > j {
			t.Errorf("newer %s is not listed before older %s", second, first)
		}
		if n := strings.Count(page, `class="card"`); n != 2 {
			t.Errorf("%d requests listed, want 2", n)
		}
	})
}

func TestUnknownOrMalformedReferenceIs404(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		p := newPortal(t, st, nil)
		unknown := request.NewReference()
		// One changed character: always caught by the check character (a rotation is not).
		typo := []byte(unknown)
		if typo[4] == 'A' {
			typo[4] = 'B'
		} else {
			typo[4] = 'A'
		}
		tests := []struct {
			path string
			want string
		}{
			{"/requests/" + string(unknown), "We have no request with reference " + unknown.String() + "."},
			{"/requests/" + strings.ToLower(unknown.String()), unknown.String()},
			{"/requests/call-0000-now", "This web address does not contain a valid reference number."},
			{"/requests/" + string(typo), "This web address does not contain a valid reference number."},
		}
		for _, tc := range tests {
			resp, body := p.get(tc.path)
			checkStatus(t, resp, body, http.StatusNotFound)
			checkContains(t, body, tc.want, `href="/track"`)
			checkLacks(t, body, "call-0000-now")
		}
	})
}

func TestStaticFiles(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		p := newPortal(t, st, nil)
		_, body := p.get("/")
		m := regexp.MustCompile(`<link rel="stylesheet" href="(/static/style\.css\?v=[0-9a-f]{12})">`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no versioned stylesheet link on the form page")
		}
		resp, css := p.get(html.UnescapeString(m[1]))
		checkStatus(t, resp, css, http.StatusOK)
		if got := resp.Header.Get("Content-Type"); got != "text/css; charset=utf-8" {
			t.Errorf("Content-Type = %q", got)
		}
		if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("versioned Cache-Control = %q", got)
		}
		if !strings.Contains(css, "box-sizing") || len(css) > 16<<10 {
			t.Errorf("stylesheet of %d bytes looks wrong", len(css))
		}

		req, _ := http.NewRequest(http.MethodGet, p.srv.URL+"/static/style.css", nil)
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		resp, _ = p.do(req)
		checkStatus(t, resp, "", http.StatusNotModified)
		if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("unversioned Cache-Control = %q", got)
		}

		for _, path := range []string{"/static/app.js", "/static/", "/static/templates/form.html"} {
			resp, body := p.get(path)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
			}
			checkLacks(t, body, "{{define")
		}
	})
}

func TestUnknownPaths(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		p := newPortal(t, st, nil)
		for _, path := range []string{"/nope", "/requests/", "/track/", "/index.html"} {
			resp, body := p.get(path)
			checkStatus(t, resp, body, http.StatusNotFound)
			checkContains(t, body, "<h1>Page not found</h1>", `<a href="/">`)
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: no security headers", path)
			}
		}
		// A bookmark of the page a corrected form came back on leads to the form.
		resp, _ := p.get("/requests")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Errorf("GET /requests: %d to %q, want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
		}
		// A known path with another method is 405, with what is allowed.
		for path, allow := range map[string]string{"/track": "GET, HEAD", "/": "GET, HEAD", "/requests/DS2345678923": "GET, HEAD"} {
			req, _ := http.NewRequest(http.MethodPost, p.srv.URL+path, nil)
			resp, body := p.do(req)
			checkStatus(t, resp, body, http.StatusMethodNotAllowed)
			if got := resp.Header.Get("Allow"); got != allow {
				t.Errorf("POST %s: Allow %q, want %q", path, got, allow)
			}
		}
		req, _ := http.NewRequest(http.MethodPut, p.srv.URL+"/requests", nil)
		if resp, body := p.do(req); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD, POST" {
			t.Errorf("PUT /requests: %d, Allow %q\n%s", resp.StatusCode, resp.Header.Get("Allow"), body)
		}
	})
}

// The server mounts the API at a path-only pattern in the same mux; registering must not
// conflict with it.
func TestRegistersBesideTheAPI(t *testing.T) {
	t.Parallel()
	dir := testenv.Directory(t)
	st := testenv.SQLite(t)
	p, err := portal.New(intake.New(st, dir, catalogue.New(st)))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	p.Register(mux)
	mux.Handle("/api/v1/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/services", nil))
	if rec.Code != http.StatusTeapot {
		t.Errorf("GET /api/v1/services went to the portal: %d", rec.Code)
	}
}

// TestOneTimeCodeStep: with codes required, a form with every field right comes back asking
// for the code sent to the mobile (keeping what was typed); the right code saves the request.
func TestOneTimeCodeStep(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		in := intake.New(st, testenv.Directory(t), catalogue.New(st)).WithOTPRequired(true).WithCodes(func() string { return "482913" })
		p := newPortalWith(t, st, in, portal.LocalOutbox("outbox.jsonl"))
		form := goodForm(p.token())

		resp, body := p.post(form)
		checkStatus(t, resp, body, http.StatusOK)
		checkContains(t, body, `name="otp"`, `autocomplete="one-time-code"`, `name="code_sent" value="1"`,
			"******3210", "the code is in the server log and in outbox.jsonl", "Gandhi Road", form.Get("form_token"))

		form.Set("code_sent", "1")
		form.Set("otp", "000000")
		resp, body = p.post(form)
		checkStatus(t, resp, body, http.StatusUnprocessableEntity)
		checkContains(t, body, "That code is not right", `aria-invalid="true"`, "Gandhi Road")

		form.Set("otp", "482 913")
		target := p.submit(form)
		if !strings.HasPrefix(target, "/requests/DS") {
			t.Fatalf("redirected to %q", target)
		}
		// Sending the same form again (a double tap) shows the same request, needing no new code.
		if again := p.submit(form); again != target {
			t.Errorf("second send went to %q, first to %q", again, target)
		}
	})
}

func TestFormWithoutCodeStepWhenCodesAreOff(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testenv.SQLite(t), nil)
	resp, body := p.post(goodForm(p.token()))
	if resp.StatusCode != http.StatusSeeOther || strings.Contains(body, `name="otp"`) {
		t.Errorf("status %d; the form asked for a code though codes are off", resp.StatusCode)
	}
}

// TestSubmitWhileTheDatabaseHangs: a form the database does not take in time comes back as
// typed with 503, and sending it again once the database answers saves it once.
func TestSubmitWhileTheDatabaseHangs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, path := testenv.SQLiteFile(t)
	st.SetSubmitDeadline(300 * time.Millisecond)
	p := newPortal(t, st, nil)
	form := goodForm(p.token())
	release := testenv.HoldSQLiteWriteLock(t, path) // as another process would
	resp, body := p.post(form)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `value="Asha Devi"`) {
		t.Fatalf("with the database hung: %d, the form not kept:\n%s", resp.StatusCode, body)
	}
	release()
	for i := range 2 { // sent again, and once more by a customer unsure it went
		if resp, _ := p.post(form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sent again (%d): %d", i+1, resp.StatusCode)
		}
	}
	if got, err := st.PublicRequestsByMobile(ctx, "9876543210", 10); err != nil || len(got) != 1 {
		t.Errorf("saved %d requests, %v; want one", len(got), err)
	}
}
