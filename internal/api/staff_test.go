package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
	"github.com/doorstep-post/doorstep/internal/testenv/fixture"
)

const staffPassword = fixture.Password

// Pincodes of the two Divisions of Agra Region (fixture.Accounts).
const (
	agraPincode    = "282001"
	mathuraPincode = "281001"
)

// staffAPI is the API over the fixture's world, whose clock tests can move and whose
// one-time codes are always fixture.Code.
type staffAPI struct {
	*testAPI
	st    store.Store
	world *fixture.World
}

// newStaffAPI serves the API over the fixture's world on st; its clock starts now.
func newStaffAPI(t *testing.T, st store.Store) *staffAPI {
	t.Helper()
	w := fixture.NewAt(t, st, time.Now())
	return &staffAPI{st: st, world: w, testAPI: newTestAPIWith(t, w.Intake, w.Desk, w.Dashboard)}
}

// saved reads a request as saved, with every field.
func (s *staffAPI) saved(reference string) (request.Request, error) {
	ref, err := request.ParseReference(reference)
	if err != nil {
		return request.Request{}, err
	}
	return s.st.RequestByReference(context.Background(), ref)
}

func (s *staffAPI) advance(d time.Duration) { s.world.SetTime(s.world.Now().Add(d)) }

func credentials(username, password string) string {
	return fmt.Sprintf(`{"username":%q,"password":%q}`, username, password)
}

// login returns a token of the account.
func (s *staffAPI) login(username string) string {
	s.t.Helper()
	r := s.do(http.MethodPost, "/api/v1/auth/token", credentials(username, staffPassword), nil)
	if r.status != http.StatusCreated {
		s.t.Fatalf("login %s: %d %s", username, r.status, r.body)
	}
	var tok tokenJSON
	r.decode(s.t, &tok)
	return tok.Token
}

// as calls the API with a bearer token ("" for none).
func (s *staffAPI) as(token, method, path, body string) response {
	s.t.Helper()
	var h map[string]string
	if token != "" {
		h = map[string]string{"Authorization": "Bearer " + token}
	}
	r := s.do(method, path, body, h)
	if r.status < 300 && len(r.body) > 0 && r.header.Get("Cache-Control") != "no-store" {
		s.t.Errorf("%s %s: Cache-Control %q; staff answers carry personal data", method, path, r.header.Get("Cache-Control"))
	}
	return r
}

// submit makes a request through the API and returns its reference.
func (s *staffAPI) submit(pincode, mobile string) string {
	s.t.Helper()
	r := s.do(http.MethodPost, "/api/v1/requests", submissionJSON(map[string]any{"pincode": pincode, "mobile": mobile}), nil)
	if r.status != http.StatusCreated {
		s.t.Fatalf("submit: %d %s", r.status, r.body)
	}
	var c createdJSON
	r.decode(s.t, &c)
	return c.Reference
}

// wantProblem checks a problem's status and code.
func wantProblem(t *testing.T, what string, r response, status int, code string) Problem {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d, want %d: %s", what, r.status, status, r.body)
		return Problem{}
	}
	p := r.problem(t)
	if p.Code != code {
		t.Errorf("%s: code %q, want %q", what, p.Code, code)
	}
	return p
}

func TestStaffTokens(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		s := newStaffAPI(t, st)
		const deskPath = "/api/v1/desk/requests"

		r := s.do(http.MethodPost, "/api/v1/auth/token", credentials(" Agra ", staffPassword), nil)
		var tok tokenJSON
		r.decode(t, &tok)
		if r.status != http.StatusCreated || !strings.HasPrefix(tok.Token, "dst_") || r.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("login: %d %s", r.status, r.body)
		}
		if d := time.Until(tok.ExpiresAt); d < 6*24*time.Hour || d > 7*24*time.Hour {
			t.Errorf("token expires in %v, want a week", d)
		}
		if r := s.as(tok.Token, http.MethodGet, deskPath, ""); r.status != http.StatusOK {
			t.Errorf("desk with the token: %d %s", r.status, r.body)
		}

		// Unknown user and wrong password: the same answer.
		unknown := wantProblem(t, "unknown user", s.do(http.MethodPost, "/api/v1/auth/token", credentials("nobody", staffPassword), nil),
			http.StatusUnauthorized, CodeInvalidCredentials)
		r = s.do(http.MethodPost, "/api/v1/auth/token", credentials("agra", "not the password"), nil)
		if wrong := wantProblem(t, "wrong password", r, http.StatusUnauthorized, CodeInvalidCredentials); wrong.Detail != unknown.Detail {
			t.Errorf("wrong password says %q, unknown user %q", wrong.Detail, unknown.Detail)
		}
		if r.header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
		p := wantProblem(t, "empty credentials", s.do(http.MethodPost, "/api/v1/auth/token", `{"username":"","password":""}`, nil),
			http.StatusUnprocessableEntity, CodeValidation)
		if p.Errors["username"] == "" || p.Errors["password"] == "" {
			t.Errorf("empty credentials: %+v", p.Errors)
		}
		wantProblem(t, "unknown field", s.do(http.MethodPost, "/api/v1/auth/token", `{"username":"agra","password":"x","otp":"1"}`, nil),
			http.StatusBadRequest, CodeUnknownField)

		// No token, a malformed one, another scheme.
		for name, h := range map[string]map[string]string{
			"none": nil, "garbage": {"Authorization": "Bearer nope"}, "basic": {"Authorization": "Basic YWdyYTpwYXNz"},
			"empty bearer": {"Authorization": "Bearer "}, "unknown": {"Authorization": "Bearer dst_" + strings.Repeat("A", 43)},
		} {
			r := s.do(http.MethodGet, deskPath, "", h)
			wantProblem(t, name, r, http.StatusUnauthorized, CodeUnauthorized)
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), `Bearer realm="doorstep"`) {
				t.Errorf("%s: WWW-Authenticate %q", name, r.header.Get("WWW-Authenticate"))
			}
		}
		if got := s.do(http.MethodGet, deskPath, "", map[string]string{"Authorization": "bearer nope"}).header.Get("WWW-Authenticate"); !strings.Contains(got, `error="invalid_token"`) {
			t.Errorf("a token that does not work: WWW-Authenticate %q", got)
		}

		// Revoked: the token of the call stops working, others of the account do not.
		other := s.login("agra")
		if r := s.as(tok.Token, http.MethodDelete, "/api/v1/auth/token", ""); r.status != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		wantProblem(t, "revoked token", s.as(tok.Token, http.MethodGet, deskPath, ""), http.StatusUnauthorized, CodeUnauthorized)
		wantProblem(t, "revoking twice", s.as(tok.Token, http.MethodDelete, "/api/v1/auth/token", ""), http.StatusUnauthorized, CodeUnauthorized)
		wantProblem(t, "anonymous revoke", s.as("", http.MethodDelete, "/api/v1/auth/token", ""), http.StatusUnauthorized, CodeUnauthorized)
		if r := s.as(other, http.MethodGet, deskPath, ""); r.status != http.StatusOK {
			t.Errorf("the account's other token after a revoke: %d", r.status)
		}

		// Disabled: refused at login, and its tokens stop at once.
		mathura := s.login("mathura")
		if err := s.desk.SetDisabled(context.Background(), desk.System, "mathura", true); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, "disabled account's token", s.as(mathura, http.MethodGet, deskPath, ""), http.StatusUnauthorized, CodeUnauthorized)
		wantProblem(t, "disabled login", s.do(http.MethodPost, "/api/v1/auth/token", credentials("mathura", staffPassword), nil),
			http.StatusForbidden, CodeAccountDisabled)

		// Locked after five wrong passwords; even the right one is refused. Every refusal is
		// the answer an unknown username gets, byte for byte: a caller cannot find out which
		// usernames exist by locking them.
		nobody := s.do(http.MethodPost, "/api/v1/auth/token", credentials("no.such.user", "not the password"), nil)
		wantProblem(t, "unknown username", nobody, http.StatusUnauthorized, CodeInvalidCredentials)
		same := func(what string, r response) {
			t.Helper()
			if r.status != nobody.status || string(r.body) != string(nobody.body) ||
				r.header.Get("WWW-Authenticate") != nobody.header.Get("WWW-Authenticate") || r.header.Get("Retry-After") != "" {
				t.Errorf("%s: %d %s (Retry-After %q), want what an unknown username gets: %d %s",
					what, r.status, r.body, r.header.Get("Retry-After"), nobody.status, nobody.body)
			}
		}
		for i := range staff.MaxFailedLogins {
			same(fmt.Sprintf("wrong password %d", i+1), s.do(http.MethodPost, "/api/v1/auth/token", credentials("up.circle", "not the password"), nil))
		}
		same("right password while locked", s.do(http.MethodPost, "/api/v1/auth/token", credentials("up.circle", staffPassword), nil))

		// Expired: a week later the token no longer works.
		s.advance(desk.TokenTTL + time.Second)
		wantProblem(t, "expired token", s.as(other, http.MethodGet, deskPath, ""), http.StatusUnauthorized, CodeUnauthorized)
	})
}

func TestStaffDeskListing(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		s := newStaffAPI(t, st)
		var refs []string
		for i := range 5 {
			refs = append(refs, s.submit(agraPincode, fmt.Sprintf("98111111%02d", i)))
		}
		s.submit(mathuraPincode, "9822222222")
		token := s.login("agra")

		// Pages of two, oldest first, through next.
		var got []string
		query := "limit=2"
		for pages := 0; ; pages++ {
			if pages > 3 {
				t.Fatal("next never ends")
			}
			var page deskPageJSON
			r := s.as(token, http.MethodGet, "/api/v1/desk/requests?"+query, "")
			r.decode(t, &page)
			if r.status != http.StatusOK || page.Counts == nil || page.Counts.Submitted != 5 {
				t.Fatalf("page %d: %d %s", pages, r.status, r.body)
			}
			for _, req := range page.Requests {
				got = append(got, req.Reference)
				if req.Name != "Asha Devi" || req.Address == "" || req.Mobile[:8] != "98111111" || req.Email != "asha@example.com" ||
					req.Division != "Agra Division" || len(req.History) != 1 || !slices.Equal(req.NextStatuses, []string{"in_progress", "not_serviceable", "cancelled"}) {
					t.Errorf("staff view %+v", req)
				}
			}
			if page.Next == nil {
				break
			}
			query = "limit=2&after=" + url.QueryEscape(*page.Next)
		}
		if !slices.Equal(got, refs) {
			t.Errorf("pages gave %v, want %v (Mathura's request is not Agra's)", got, refs)
		}

		// Filters as on the web desk.
		var change response
		if change = s.as(token, http.MethodPost, "/api/v1/desk/requests/"+refs[1]+"/status", `{"status":"in_progress"}`); change.status != http.StatusOK {
			t.Fatalf("change: %d %s", change.status, change.body)
		}
		if change = s.as(token, http.MethodPost, "/api/v1/desk/requests/"+refs[2]+"/status", `{"status":"cancelled"}`); change.status != http.StatusOK {
			t.Fatalf("change: %d %s", change.status, change.body)
		}
		for q, want := range map[string][]string{
			"":                                    {refs[0], refs[1], refs[3], refs[4]},
			"status=all&order=newest":             {refs[4], refs[3], refs[2], refs[1], refs[0]},
			"status=in_progress,cancelled":        {refs[1], refs[2]},
			"status=in_progress&status=cancelled": {refs[1], refs[2]},
			"status=all&q=" + url.QueryEscape("+91 98111 11103"): {refs[3]},
			"q=" + refs[4]:                  {refs[4]},
			"pincode=" + mathuraPincode:     {},
			"service=pli_premium":           {},
			"from=2000-01-01&to=2000-01-31": {},
		} {
			var page deskPageJSON
			r := s.as(token, http.MethodGet, "/api/v1/desk/requests?"+q, "")
			r.decode(t, &page)
			var refsGot []string
			for _, req := range page.Requests {
				refsGot = append(refsGot, req.Reference)
			}
			if r.status != http.StatusOK || !slices.Equal(refsGot, want) {
				t.Errorf("?%s: %d, %v, want %v", q, r.status, refsGot, want)
			}
		}
		var page deskPageJSON
		s.as(token, http.MethodGet, "/api/v1/desk/requests?status=all&q=devi", "").decode(t, &page)
		if len(page.Requests) != 5 || page.Counts != nil {
			t.Errorf("name search: %d requests, counts %+v", len(page.Requests), page.Counts)
		}
		r := s.as(token, http.MethodGet, "/api/v1/desk/requests?status=done&limit=999&from=27-11-2026&after=x", "")
		if p := wantProblem(t, "bad filter", r, http.StatusUnprocessableEntity, CodeValidation); len(p.Errors) != 4 || p.Errors["status"] == "" {
			t.Errorf("bad filter errors %v", p.Errors)
		}
	})
}

func TestStaffScopes(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		s := newStaffAPI(t, st)
		ref := s.submit(agraPincode, "9811111111")
		path := "/api/v1/desk/requests/" + ref
		change := `{"status":"in_progress","assigned_to":"Ravi"}`

		for _, name := range []string{"agra.region", "up.circle", "admin"} {
			token := s.login(name)
			var view staffRequestJSON
			r := s.as(token, http.MethodGet, path, "")
			r.decode(t, &view)
			if r.status != http.StatusOK || view.Reference != ref || view.Mobile != "9811111111" || len(view.NextStatuses) != 0 {
				t.Errorf("%s watching: %d %s", name, r.status, r.body)
			}
			wantProblem(t, name+" changing", s.as(token, http.MethodPost, path+"/status", change), http.StatusForbidden, CodeForbidden)
		}

		// Another Division learns nothing, not even that the request exists.
		mathura := s.login("mathura")
		notThere := wantProblem(t, "another Division", s.as(mathura, http.MethodGet, path, ""), http.StatusNotFound, CodeNotFound)
		noSuch := wantProblem(t, "no such request", s.as(mathura, http.MethodGet, "/api/v1/desk/requests/"+string(request.NewReference()), ""),
			http.StatusNotFound, CodeNotFound)
		if notThere.Detail != noSuch.Detail {
			t.Errorf("another Division's request %q, no request %q", notThere.Detail, noSuch.Detail)
		}
		wantProblem(t, "another Division changing", s.as(mathura, http.MethodPost, path+"/status", change), http.StatusNotFound, CodeNotFound)
		wantProblem(t, "not a reference", s.as(mathura, http.MethodGet, "/api/v1/desk/requests/nope", ""), http.StatusNotFound, CodeNotFound)
		var page deskPageJSON
		s.as(mathura, http.MethodGet, "/api/v1/desk/requests", "").decode(t, &page)
		if len(page.Requests) != 0 {
			t.Errorf("Mathura lists %d requests of Agra", len(page.Requests))
		}

		// Anonymous.
		for _, r := range []response{s.as("", http.MethodGet, path, ""), s.as("", http.MethodPost, path+"/status", change)} {
			wantProblem(t, "anonymous", r, http.StatusUnauthorized, CodeUnauthorized)
		}

		// The request's own Division.
		agra := s.login("agra")
		var view staffRequestJSON
		s.as(agra, http.MethodGet, path, "").decode(t, &view)
		if !slices.Equal(view.NextStatuses, []string{"in_progress", "not_serviceable", "cancelled"}) {
			t.Errorf("own Division's next statuses %v", view.NextStatuses)
		}
		if r := s.as(agra, http.MethodPost, path+"/status", change); r.status != http.StatusOK {
			t.Errorf("own Division changing: %d %s", r.status, r.body)
		}
	})
}

func TestStaffStatusChanges(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		s := newStaffAPI(t, st)
		ref := s.submit(agraPincode, "9811111111")
		path := "/api/v1/desk/requests/" + ref
		token := s.login("agra")
		req, err := s.saved(ref)
		if err != nil {
			t.Fatal(err)
		}
		messages := func() []string {
			t.Helper()
			notes, err := st.NotificationsForRequest(context.Background(), req.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, n := range notes {
				out = append(out, n.Channel+"/"+n.Kind)
			}
			return out
		}

		r := s.as(token, http.MethodPost, path+"/status", `{"status":"completed"}`)
		if p := wantProblem(t, "submitted to completed", r, http.StatusUnprocessableEntity, CodeValidation); !strings.Contains(p.Errors["status"], "in progress before") {
			t.Errorf("errors %v", p.Errors)
		}
		r = s.as(token, http.MethodPost, path+"/status", `{"status":"not_serviceable","assigned_to":"Ravi"}`)
		if p := wantProblem(t, "not serviceable without remarks", r, http.StatusUnprocessableEntity, CodeValidation); p.Errors["remarks"] == "" || p.Errors["assigned_to"] == "" {
			t.Errorf("errors %v", p.Errors)
		}
		wantProblem(t, "unknown field", s.as(token, http.MethodPost, path+"/status", `{"status":"in_progress","to":"x"}`), http.StatusBadRequest, CodeUnknownField)
		wantProblem(t, "form encoded", s.do(http.MethodPost, path+"/status", "", map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/x-www-form-urlencoded"}),
			http.StatusUnsupportedMediaType, CodeUnsupportedMediaType)

		var changed staffRequestJSON
		r = s.as(token, http.MethodPost, path+"/status", `{"status":"in_progress","assigned_to":"Ravi (postman, Sadar Bazar SO)","remarks":"Visit after 4 pm"}`)
		r.decode(t, &changed)
		if r.status != http.StatusOK || changed.Status != "in_progress" || changed.AssignedTo == nil || *changed.AssignedTo != "Ravi (postman, Sadar Bazar SO)" ||
			len(changed.History) != 2 || *changed.History[1].Actor != "agra" || changed.Notifications != nil {
			t.Fatalf("in progress: %d %s", r.status, r.body)
		}
		if want := []string{"sms/submitted", "email/submitted", "sms/status_changed"}; !slices.Equal(messages(), want) {
			t.Errorf("messages %v, want %v", messages(), want)
		}
		s.as(token, http.MethodPost, path+"/status", `{"status":"completed","remarks":"Service provided at doorstep"}`).decode(t, &changed)
		if changed.Status != "completed" || len(changed.NextStatuses) != 0 {
			t.Errorf("completed: %+v", changed)
		}
		if want := []string{"sms/submitted", "email/submitted", "sms/status_changed", "sms/completed", "email/completed"}; !slices.Equal(messages(), want) {
			t.Errorf("messages %v, want %v", messages(), want)
		}
		r = s.as(token, http.MethodPost, path+"/status", `{"status":"cancelled"}`)
		if p := wantProblem(t, "a final status", r, http.StatusUnprocessableEntity, CodeValidation); !strings.Contains(p.Errors["status"], "no longer change") {
			t.Errorf("errors %v", p.Errors)
		}

		var view staffRequestJSON
		r = s.as(token, http.MethodGet, path, "")
		r.decode(t, &view)
		if r.status != http.StatusOK || view.Notifications == nil || len(*view.Notifications) != 5 || len(view.History) != 3 {
			t.Fatalf("request: %d %s", r.status, r.body)
		}
		h := view.History[2]
		if h.Status != "completed" || *h.Remarks != "Service provided at doorstep" || *h.Actor != "agra" || view.History[0].Actor != nil {
			t.Errorf("history %+v", view.History)
		}
		for _, n := range *view.Notifications {
			if want := map[string]string{"sms": "9811111111", "email": "asha@example.com"}[n.Channel]; n.Recipient != want || n.Status != store.NotificationQueued {
				t.Errorf("notification %+v", n)
			}
		}
	})
}

// TestConditionalStatusChange: GET gives a request's version and its ETag; a change sent
// with either is refused once the request has another version, and two changes decided on
// the same version, sent at once, cannot both be made.
func TestConditionalStatusChange(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		s := newStaffAPI(t, st)
		ref := s.submit(agraPincode, "9811111111")
		token := s.login("agra")
		path := "/api/v1/desk/requests/" + ref
		withHeader := func(method, path, body string, h map[string]string) response {
			t.Helper()
			h["Authorization"] = "Bearer " + token
			return s.do(method, path, body, h)
		}

		var view staffRequestJSON
		r := s.as(token, http.MethodGet, path, "")
		r.decode(t, &view)
		if r.status != http.StatusOK || view.Version != 1 || r.header.Get("ETag") != `"1"` {
			t.Fatalf("GET: %d, version %d, ETag %q", r.status, view.Version, r.header.Get("ETag"))
		}
		r = withHeader(http.MethodPost, path+"/status", `{"status":"in_progress","assigned_to":"Ravi"}`, map[string]string{"If-Match": `"1"`})
		if r.status != http.StatusOK || r.header.Get("ETag") != `"2"` {
			t.Fatalf("change with the current ETag: %d %s, ETag %q", r.status, r.body, r.header.Get("ETag"))
		}
		// Decided on version 1: refused, whichever way it says so.
		wantProblem(t, "stale If-Match", withHeader(http.MethodPost, path+"/status", `{"status":"in_progress","assigned_to":"Sita"}`,
			map[string]string{"If-Match": `"1"`}), http.StatusConflict, CodeStatusChanged)
		wantProblem(t, "stale expected_version", s.as(token, http.MethodPost, path+"/status",
			`{"status":"in_progress","assigned_to":"Sita","expected_version":1}`), http.StatusConflict, CodeStatusChanged)
		for _, tc := range []struct{ body, ifMatch, field string }{
			{`{"status":"completed","expected_version":0}`, "", "expected_version"},
			{`{"status":"completed"}`, "W/\"2\"", "If-Match"},
			{`{"status":"completed"}`, "2", "If-Match"},
			{`{"status":"completed","expected_version":2}`, `"3"`, "If-Match"},
		} {
			h := map[string]string{}
			if tc.ifMatch != "" {
				h["If-Match"] = tc.ifMatch
			}
			p := wantProblem(t, "version "+tc.body+" "+tc.ifMatch, withHeader(http.MethodPost, path+"/status", tc.body, h),
				http.StatusUnprocessableEntity, CodeValidation)
			if p.Errors[tc.field] == "" {
				t.Errorf("%s %s: no message for %s: %v", tc.body, tc.ifMatch, tc.field, p.Errors)
			}
		}
		if got, err := s.saved(ref); err != nil || got.Version() != 2 || got.AssignedTo != "Ravi" {
			t.Errorf("refused changes changed the request: version %d, assigned to %q", got.Version(), got.AssignedTo)
		}

		// Two postmen's apps re-assign it at once, both having seen version 2.
		for round := range 5 {
			version := 2 + round
			statuses := make([]int, 2)
			var wg sync.WaitGroup
			for i := range statuses {
				wg.Go(func() {
					body := fmt.Sprintf(`{"status":"in_progress","assigned_to":"postman %d-%d","expected_version":%d}`, round, i, version)
					statuses[i] = s.as(token, http.MethodPost, path+"/status", body).status
				})
			}
			wg.Wait()
			slices.Sort(statuses)
			if !slices.Equal(statuses, []int{http.StatusOK, http.StatusConflict}) {
				t.Fatalf("round %d: two changes at version %d answered %v, want one 200 and one 409", round, version, statuses)
			}
		}
		s.as(token, http.MethodGet, path, "").decode(t, &view)
		if view.Version != 7 {
			t.Errorf("after five rounds the request is at version %d, want 7 (one change a round)", view.Version)
		}
	})
}

// TestExpectedBy: tracking and the staff API say when a request is expected, submission plus
// its service's target, following a target the admin changes; the staff desk filters to
// the overdue and to a Division of the account's part.
func TestExpectedBy(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		s := newStaffAPI(t, st)
		ctx := context.Background()
		if err := s.world.Desk.SetServiceTarget(ctx, s.world.Actors["admin"], "aeps_cash", 6); err != nil {
			t.Fatal(err)
		}
		emoney := s.submit(agraPincode, "9811111111")
		r := s.do(http.MethodPost, "/api/v1/requests", submissionJSON(map[string]any{"pincode": agraPincode, "mobile": "9811111111",
			"service": "aeps_cash"}), nil)
		var c createdJSON
		r.decode(t, &c)
		aeps := c.Reference
		token := s.login("agra")
		check := func(ref string, target time.Duration) {
			t.Helper()
			saved, err := s.saved(ref)
			if err != nil {
				t.Fatal(err)
			}
			want := saved.CreatedAt.Add(target)
			var view publicRequestJSON
			r := s.get("/api/v1/requests/" + ref)
			r.decode(t, &view)
			r.encodedAsBefore(t, view)
			if !view.ExpectedBy.Equal(want) {
				t.Errorf("tracking %s: expected_by %v, want %v", ref, view.ExpectedBy, want)
			}
			var list requestListJSON
			s.get("/api/v1/requests?mobile=9811111111").decode(t, &list)
			for _, v := range list.Requests {
				if v.Reference == ref && !v.ExpectedBy.Equal(want) {
					t.Errorf("tracking by mobile %s: expected_by %v, want %v", ref, v.ExpectedBy, want)
				}
			}
			var staffView staffRequestJSON
			s.as(token, http.MethodGet, "/api/v1/desk/requests/"+ref, "").decode(t, &staffView)
			if !staffView.ExpectedBy.Equal(want) {
				t.Errorf("staff API %s: expected_by %v, want %v", ref, staffView.ExpectedBy, want)
			}
		}
		check(emoney, 48*time.Hour)
		check(aeps, 6*time.Hour)
		if err := s.world.Desk.SetServiceTarget(ctx, s.world.Actors["admin"], "emoney_order", 12); err != nil {
			t.Fatal(err)
		}
		check(emoney, 12*time.Hour)

		overdue := func() []string {
			t.Helper()
			var page deskPageJSON
			r := s.as(token, http.MethodGet, "/api/v1/desk/requests?overdue=1&division=agra+division", "")
			r.decode(t, &page)
			var refs []string
			for _, req := range page.Requests {
				refs = append(refs, req.Reference)
			}
			if r.status != http.StatusOK || page.Counts == nil || page.Counts.Submitted != len(refs) {
				t.Errorf("overdue: %d %s", r.status, r.body)
			}
			return refs
		}
		if got := overdue(); len(got) != 0 {
			t.Errorf("overdue at once: %v", got)
		}
		s.advance(7 * time.Hour) // past 6 hours after the end of the hour of submission
		if got := overdue(); !slices.Equal(got, []string{aeps}) {
			t.Errorf("overdue after 7 hours: %v, want the cash withdrawal only", got)
		}
		r = s.as(token, http.MethodGet, "/api/v1/desk/requests?division=Mathura+Division", "")
		if p := wantProblem(t, "another Division", r, http.StatusUnprocessableEntity, CodeValidation); !strings.Contains(p.Errors["division"], "outside your part of the hierarchy") {
			t.Errorf("another Division: %v", p.Errors)
		}
	})
}
