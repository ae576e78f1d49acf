package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/requestlog"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
	"github.com/doorstep-post/doorstep/internal/testenv/fixture"
)

// testAPI is the API on a real SQLite file, behind a real HTTP server, with a client that
// checks every response against the OpenAPI document.
type testAPI struct {
	t      *testing.T
	url    string
	client *http.Client
	intake *intake.Intake
	desk   *desk.Desk
	spec   *specChecker
}

func newTestAPI(t *testing.T, st store.Store) *testAPI {
	t.Helper()
	w := fixture.New(t, st)
	return newTestAPIWith(t, w.Intake, w.Desk, w.Dashboard)
}

func newTestAPIWith(t *testing.T, in *intake.Intake, d *desk.Desk, dash *dashboard.Dashboard) *testAPI {
	t.Helper()
	srv := httptest.NewServer(requestlog.Middleware(slog.New(slog.DiscardHandler), New(in, d, dash)))
	t.Cleanup(srv.Close)
	spec := sharedSpec(t)
	return &testAPI{t: t, url: srv.URL, intake: in, desk: d, spec: spec,
		client: &http.Client{Transport: &validatingTransport{t: t, spec: spec, next: http.DefaultTransport}}}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// encodedAsBefore checks that the body is byte for byte what encoding/json writes for v (the
// body decoded into its answer type): the tracking answers are appended by hand.
func (r response) encodedAsBefore(t *testing.T, v any) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.body, buf.Bytes()) {
		t.Errorf("answer\n%s\nis not what encoding/json writes:\n%s", r.body, buf.Bytes())
	}
}

func (r response) problem(t *testing.T) Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %s", ct, r.body)
	}
	var p Problem
	r.decode(t, &p)
	if p.Status != r.status || p.Title == "" || p.Type == "" || p.Code == "" {
		t.Fatalf("incomplete problem %+v for status %d", p, r.status)
	}
	return p
}

func (a *testAPI) do(method, path string, body string, header map[string]string) response {
	a.t.Helper()
	req, err := http.NewRequest(method, a.url+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (a *testAPI) get(path string) response { return a.do(http.MethodGet, path, "", nil) }

func submissionJSON(overrides map[string]any) string {
	body := map[string]any{
		"name": "Asha Devi", "address": "12 Gandhi Road, Connaught Place", "pincode": "110001",
		"email": "asha@example.com", "mobile": "+91 98765 43210", "service": "emoney_order",
		"details": "Rs 2000 to my son", "language": "hi",
	}
	for k, v := range overrides {
		if v == nil {
			delete(body, k)
		} else {
			body[k] = v
		}
	}
	b, _ := json.Marshal(body)
	return string(b)
}

// specChecker validates real traffic against openapi.json and remembers which documented
// operations and statuses the tests exercised.
type specChecker struct {
	router routers.Router
	// operations are every operation openapi.json documents: "METHOD /path" by operationId
	// ("" for one without an id).
	operations map[string]string
	mu         sync.Mutex
	seen       map[string]map[int]bool
}

var (
	specOnce sync.Once
	spec     *specChecker
	specErr  error
)

// loadedSpec is the one spec checker of the test binary, loaded on first use.
func loadedSpec() (*specChecker, error) {
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(OpenAPIDocument())
		if err != nil {
			specErr = err
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			specErr = fmt.Errorf("openapi.json is not a valid OpenAPI document: %w", err)
			return
		}
		operations := map[string]string{}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				operations[op.OperationID] = method + " " + path
			}
		}
		doc.Servers = nil // match any host: the test servers listen on random ports
		router, err := legacy.NewRouter(doc)
		if err != nil {
			specErr = err
			return
		}
		spec = &specChecker{router: router, operations: operations, seen: map[string]map[int]bool{}}
	})
	return spec, specErr
}

func sharedSpec(t *testing.T) *specChecker {
	s, err := loadedSpec()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unexercised lists the documented operations no response of which was checked, as
// "operationId (METHOD /path)", sorted.
func (s *specChecker) unexercised() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var missing []string
	for id, where := range s.operations {
		if id == "" {
			missing = append(missing, "an operation without an operationId ("+where+")")
		} else if len(s.seen[id]) == 0 {
			missing = append(missing, id+" ("+where+")")
		}
	}
	sort.Strings(missing)
	return missing
}

type validatingTransport struct {
	t    *testing.T
	spec *specChecker
	next http.RoundTripper
}

func (v *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := v.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))

	route, params, err := v.spec.router.FindRoute(req)
	if err != nil {
		v.t.Logf("route %s %s: %v", req.Method, req.URL, err)
		return resp, nil // an undocumented path or method: the tests check its problem by hand
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(req.Context(), input); err != nil {
		v.t.Errorf("%s %s -> %d does not match openapi.json: %v\nbody: %s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
	v.spec.mu.Lock()
	op := route.Operation.OperationID
	if v.spec.seen[op] == nil {
		v.spec.seen[op] = map[int]bool{}
	}
	v.spec.seen[op][resp.StatusCode] = true
	v.spec.mu.Unlock()
	return resp, nil
}

func TestServices(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		a := newTestAPI(t, st)
		var services []serviceJSON
		r := a.get("/api/v1/services")
		if r.status != http.StatusOK {
			t.Fatalf("status %d", r.status)
		}
		r.decode(t, &services)
		if len(services) != 7 || services[0].Code != "article_booking" || services[0].NameHi == "" {
			t.Fatalf("services = %+v", services)
		}
		if err := a.intake.Catalogue().SetActive(context.Background(), "aeps_cash", false); err != nil {
			t.Fatal(err)
		}
		a.get("/api/v1/services").decode(t, &services)
		for _, svc := range services {
			if svc.Code == "aeps_cash" {
				t.Error("an inactive service is listed")
			}
		}
		if len(services) != 6 {
			t.Errorf("%d services after switching one off, want 6", len(services))
		}
		r = a.do(http.MethodPost, "/api/v1/requests", submissionJSON(map[string]any{"service": "aeps_cash"}), nil)
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || !strings.Contains(p.Errors["service"], "not available") {
			t.Errorf("inactive service: %d %+v", r.status, p)
		}
	})
}

func TestPincodes(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		a := newTestAPI(t, st)
		var area areaJSON
		r := a.get("/api/v1/pincodes/110001")
		r.decode(t, &area)
		if r.status != http.StatusOK || area.Division != "New Delhi GPO Division" || area.Region != nil || area.Circle != "Delhi Circle" || area.District != "NEW DELHI" {
			t.Errorf("110001: %d %+v", r.status, area)
		}
		a.get("/api/v1/pincodes/560001").decode(t, &area)
		if area.Region == nil || *area.Region != "Bengaluru HQ Region" {
			t.Errorf("560001 region = %v", area.Region)
		}
		r = a.get("/api/v1/pincodes/999999")
		if p := r.problem(t); r.status != http.StatusNotFound || p.Detail != "We do not have pincode 999999 in the India Post directory." {
			t.Errorf("999999: %d %+v", r.status, p)
		}
		for _, bad := range []string{"011000", "11000", "abcdef", "1100011"} {
			r = a.get("/api/v1/pincodes/" + bad)
			if p := r.problem(t); r.status != http.StatusUnprocessableEntity || p.Errors["pincode"] == "" {
				t.Errorf("%s: %d %+v", bad, r.status, p)
			}
		}
	})
}

func TestCreateAndTrack(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		a := newTestAPI(t, st)
		r := a.do(http.MethodPost, "/api/v1/requests", submissionJSON(nil), nil)
		if r.status != http.StatusCreated {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var created createdJSON
		r.decode(t, &created)
		if created.Status != "submitted" || created.Division != "New Delhi GPO Division" || created.Region != nil || created.Circle != "Delhi Circle" || created.Duplicate {
			t.Errorf("created = %+v", created)
		}
		loc := r.header.Get("Location")
		if loc != "/api/v1/requests/"+strings.ReplaceAll(created.Reference, "-", "") {
			t.Errorf("Location = %q for %s", loc, created.Reference)
		}

		r = a.get(loc)
		var view publicRequestJSON
		r.decode(t, &view)
		r.encodedAsBefore(t, view)
		if r.status != http.StatusOK || view.Reference != created.Reference || view.NameInitials != "A. D." || view.MobileMasked != "******3210" ||
			view.Service != "emoney_order" || view.ServiceName != "e-Money Order" || len(view.History) != 1 || view.History[0].Status != "submitted" {
			t.Errorf("tracked = %d %+v", r.status, view)
		}
		for _, private := range []string{"Asha", "9876543210", "asha@example.com", "Gandhi Road", "my son"} {
			if bytes.Contains(r.body, []byte(private)) {
				t.Errorf("public view shows %q: %s", private, r.body)
			}
		}
		// Any case, spaces instead of dashes.
		typed := strings.ToLower(strings.ReplaceAll(created.Reference, "-", " "))
		if r := a.get("/api/v1/requests/" + strings.ReplaceAll(typed, " ", "%20")); r.status != http.StatusOK {
			t.Errorf("lower case with spaces: status %d", r.status)
		}
	})
}

func TestTrackByMobileNewestFirst(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		a := newTestAPI(t, st)
		var refs []string
		for _, svc := range []string{"article_booking", "pli_premium", "small_savings"} {
			var c createdJSON
			a.do(http.MethodPost, "/api/v1/requests", submissionJSON(map[string]any{"service": svc, "mobile": "9123456789"}), nil).decode(t, &c)
			refs = append([]string{c.Reference}, refs...)
		}
		a.do(http.MethodPost, "/api/v1/requests", submissionJSON(map[string]any{"mobile": "9000000000"}), nil)

		var list requestListJSON
		r := a.get("/api/v1/requests?mobile=%2B91%2091234%2056789")
		r.decode(t, &list)
		r.encodedAsBefore(t, list)
		if r.status != http.StatusOK || list.MobileMasked != "******6789" || len(list.Requests) != 3 {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		// Created within the same millisecond they may tie on time; the set must match and
		// times must not increase.
		got := []string{list.Requests[0].Reference, list.Requests[1].Reference, list.Requests[2].Reference}
		for i := 1; i < 3; i++ {
			if list.Requests[i].CreatedAt.After(list.Requests[i-1].CreatedAt) {
				t.Errorf("not newest first: %v", got)
			}
		}
		sort.Strings(got)
		sort.Strings(refs)
		if fmt.Sprint(got) != fmt.Sprint(refs) {
			t.Errorf("requests %v, want %v", got, refs)
		}

		r = a.get("/api/v1/requests?mobile=8111111111")
		list = requestListJSON{}
		r.decode(t, &list)
		r.encodedAsBefore(t, list)
		if r.status != http.StatusOK || len(list.Requests) != 0 {
			t.Errorf("unknown mobile: %d %s", r.status, r.body)
		}
		for _, q := range []string{"", "?mobile=", "?mobile=12345", "?mobile=5123456789"} {
			r = a.get("/api/v1/requests" + q)
			if p := r.problem(t); r.status != http.StatusUnprocessableEntity || p.Errors["mobile"] == "" {
				t.Errorf("%q: %d %+v", q, r.status, p)
			}
		}
	})
}

func TestTrackErrors(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		a := newTestAPI(t, st)
		var created createdJSON
		a.do(http.MethodPost, "/api/v1/requests", submissionJSON(nil), nil).decode(t, &created)
		ref := []byte(created.Reference)
		// One wrong character.
		if ref[5] == 'A' {
			ref[5] = 'B'
		} else {
			ref[5] = 'A'
		}
		r := a.get("/api/v1/requests/" + string(ref))
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || !strings.Contains(p.Errors["reference"], "typing mistake") {
			t.Errorf("typo: %d %+v", r.status, p)
		}
		r = a.get("/api/v1/requests/not-a-reference")
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || p.Errors["reference"] == "" {
			t.Errorf("malformed: %d %+v", r.status, p)
		}
		r = a.get("/api/v1/requests/DS-22222-22222")
		if p := r.problem(t); r.status != http.StatusNotFound || p.Code != CodeNotFound {
			t.Errorf("unknown: %d %+v", r.status, p)
		}
	})
}

func TestDuplicateAndIdempotency(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		a := newTestAPI(t, st)
		key := map[string]string{"Idempotency-Key": "7d3c0a1e-5b1f-4c1a-9f0e-2a6b8c9d0e1f"}
		first := a.do(http.MethodPost, "/api/v1/requests", submissionJSON(nil), key)
		retry := a.do(http.MethodPost, "/api/v1/requests", submissionJSON(nil), key)
		if first.status != http.StatusCreated || retry.status != http.StatusCreated {
			t.Fatalf("statuses %d, %d; want 201 twice", first.status, retry.status)
		}
		var c1, c2 createdJSON
		first.decode(t, &c1)
		retry.decode(t, &c2)
		if c1 != c2 || retry.header.Get("Location") != first.header.Get("Location") {
			t.Errorf("retry answered %+v, first %+v", c2, c1)
		}

		r := a.do(http.MethodPost, "/api/v1/requests", submissionJSON(map[string]any{"details": "changed"}), key)
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || p.Code != CodeIdempotencyKeyReused {
			t.Errorf("reused key: %d %+v", r.status, p)
		}
		r = a.do(http.MethodPost, "/api/v1/requests", submissionJSON(nil), map[string]string{"Idempotency-Key": strings.Repeat("k", 256)})
		if p := r.problem(t); r.status != http.StatusBadRequest || p.Code != CodeIdempotencyKey {
			t.Errorf("long key: %d %+v", r.status, p)
		}

		// No key, same mobile, service and pincode: the open request is returned.
		r = a.do(http.MethodPost, "/api/v1/requests", submissionJSON(map[string]any{"mobile": "9876543210", "details": "again"}), nil)
		var dup createdJSON
		r.decode(t, &dup)
		if r.status != http.StatusOK || !dup.Duplicate || dup.Reference != c1.Reference {
			t.Errorf("duplicate: %d %+v, want 200 with %s", r.status, dup, c1.Reference)
		}

		var list requestListJSON
		a.get("/api/v1/requests?mobile=9876543210").decode(t, &list)
		if len(list.Requests) != 1 {
			t.Errorf("%d requests stored, want 1", len(list.Requests))
		}
	})
}

func TestValidationErrorsPerField(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		a := newTestAPI(t, st)
		r := a.do(http.MethodPost, "/api/v1/requests", submissionJSON(map[string]any{
			"name": "R2D2", "address": "short", "pincode": "999999", "email": "asha@", "mobile": "12345",
			"service": "teleport", "details": strings.Repeat("x", 501), "language": "fr",
		}), nil)
		p := r.problem(t)
		if r.status != http.StatusUnprocessableEntity || p.Code != CodeValidation {
			t.Fatalf("%d %+v", r.status, p)
		}
		for _, field := range []string{"name", "address", "pincode", "email", "mobile", "service", "details", "language"} {
			if p.Errors[field] == "" {
				t.Errorf("no message for %s: %+v", field, p.Errors)
			}
		}
		if !strings.Contains(p.Errors["pincode"], "We do not have pincode 999999 in the India Post directory") {
			t.Errorf("pincode message = %q", p.Errors["pincode"])
		}
		// Missing fields are reported, not crashed on.
		r = a.do(http.MethodPost, "/api/v1/requests", `{}`, nil)
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) != 6 {
			t.Errorf("empty object: %d %+v", r.status, p.Errors)
		}
	})
}

func TestMalformedBodies(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		a := newTestAPI(t, st)
		tests := []struct {
			name        string
			body        string
			contentType string
			status      int
			code        string
		}{
			{"unknown field", submissionJSON(map[string]any{"admin": true}), "application/json", 400, CodeUnknownField},
			{"malformed", `{"name": "Asha",`, "application/json", 400, CodeMalformedJSON},
			{"not json", `name=Asha`, "application/json", 400, CodeMalformedJSON},
			{"wrong type", submissionJSON(map[string]any{"pincode": 110001}), "application/json", 400, CodeMalformedJSON},
			{"array", `[]`, "application/json", 400, CodeMalformedJSON},
			{"two objects", `{} {}`, "application/json", 400, CodeMalformedJSON},
			{"trailing garbage", `{}x`, "application/json", 400, CodeMalformedJSON},
			{"empty", ``, "application/json", 400, CodeMalformedJSON},
			{"too large", submissionJSON(map[string]any{"details": strings.Repeat("x", MaxBodyBytes)}), "application/json", 413, CodeBodyTooLarge},
			{"form encoded", `name=Asha`, "application/x-www-form-urlencoded", 415, CodeUnsupportedMediaType},
			{"no content type", `{}`, "", 415, CodeUnsupportedMediaType},
			{"json with charset", submissionJSON(nil), "application/json; charset=utf-8", 201, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				req, _ := http.NewRequest(http.MethodPost, a.url+"/api/v1/requests", strings.NewReader(tt.body))
				if tt.contentType != "" {
					req.Header.Set("Content-Type", tt.contentType)
				}
				resp, err := a.client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				r := response{status: resp.StatusCode, header: resp.Header, body: body}
				if r.status != tt.status {
					t.Fatalf("status %d, want %d: %s", r.status, tt.status, body)
				}
				if tt.code != "" {
					if p := r.problem(t); p.Code != tt.code || p.Detail == "" {
						t.Errorf("problem %+v, want code %s with a detail", p, tt.code)
					}
				}
			})
		}
	})
}

func TestUnknownEndpointsAndMethods(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		a := newTestAPI(t, st)
		r := a.get("/api/v1/nothing-here")
		if p := r.problem(t); r.status != http.StatusNotFound || p.Code != CodeNotFound {
			t.Errorf("unknown path: %d %+v", r.status, p)
		}
		r = a.do(http.MethodDelete, "/api/v1/services", "", nil)
		if p := r.problem(t); r.status != http.StatusMethodNotAllowed || p.Code != CodeMethodNotAllowed || !strings.Contains(r.header.Get("Allow"), "GET") {
			t.Errorf("wrong method: %d %+v allow %q", r.status, p, r.header.Get("Allow"))
		}
	})
}

func TestOpenAPIDocumentServed(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		a := newTestAPI(t, st)
		r := a.get("/api/v1/openapi.json")
		var doc struct {
			OpenAPI string         `json:"openapi"`
			Paths   map[string]any `json:"paths"`
		}
		r.decode(t, &doc)
		if r.status != http.StatusOK || doc.OpenAPI != "3.1.0" || len(doc.Paths) < 5 {
			t.Errorf("openapi.json: %d, version %q, %d paths", r.status, doc.OpenAPI, len(doc.Paths))
		}
	})
}

func TestOneTimeCodes(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		code := "482913"
		w := fixture.New(t, st)
		a := newTestAPIWith(t, w.Intake.WithOTPRequired(true).WithCodes(func() string { return code }), w.Desk, w.Dashboard)

		r := a.do(http.MethodPost, "/api/v1/otp", `{"mobile":"12345"}`, nil)
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || p.Errors["mobile"] == "" {
			t.Errorf("bad mobile: %d %+v", r.status, p)
		}
		r = a.do(http.MethodPost, "/api/v1/otp", `{"mobile":"+91 98765 43210","language":"hi"}`, nil)
		var sent otpSentJSON
		r.decode(t, &sent)
		if r.status != http.StatusAccepted || sent.MobileMasked != "******3210" || sent.ExpiresAt.IsZero() {
			t.Fatalf("send code: %d %s", r.status, r.body)
		}

		for _, tt := range []struct{ otp, want string }{
			{"", "Please enter the 6-digit code"},
			{"48291", "6 digits"},
			{"000000", "not right"},
		} {
			r = a.do(http.MethodPost, "/api/v1/requests", submissionJSON(map[string]any{"otp": tt.otp}), nil)
			if p := r.problem(t); r.status != http.StatusUnprocessableEntity || !strings.Contains(p.Errors["otp"], tt.want) {
				t.Errorf("otp %q: %d %+v", tt.otp, r.status, p.Errors)
			}
		}
		key := map[string]string{"Idempotency-Key": "with-a-code"}
		r = a.do(http.MethodPost, "/api/v1/requests", submissionJSON(map[string]any{"otp": "482 913"}), key)
		var created createdJSON
		r.decode(t, &created)
		if r.status != http.StatusCreated {
			t.Fatalf("right code: %d %s", r.status, r.body)
		}
		// A retry of the same POST needs no new code; a new request does.
		r = a.do(http.MethodPost, "/api/v1/requests", submissionJSON(map[string]any{"otp": "482913"}), key)
		var replay createdJSON
		r.decode(t, &replay)
		if r.status != http.StatusCreated || replay.Reference != created.Reference {
			t.Errorf("retry: %d %s", r.status, r.body)
		}
		r = a.do(http.MethodPost, "/api/v1/requests", submissionJSON(map[string]any{"otp": "482913", "service": "pli_premium"}), nil)
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || !strings.Contains(p.Errors["otp"], "no valid code") {
			t.Errorf("a used code for a new request: %d %+v", r.status, p.Errors)
		}

		// Three codes an hour per mobile.
		a.do(http.MethodPost, "/api/v1/otp", `{"mobile":"9876543210"}`, nil)
		a.do(http.MethodPost, "/api/v1/otp", `{"mobile":"9876543210"}`, nil)
		r = a.do(http.MethodPost, "/api/v1/otp", `{"mobile":"9876543210"}`, nil)
		if p := r.problem(t); r.status != http.StatusTooManyRequests || p.Code != CodeRateLimited || r.header.Get("Retry-After") == "" {
			t.Errorf("fourth code: %d %+v", r.status, p)
		}
	})
}

// TestSubmitWhileTheDatabaseHangs: a submission the database does not take in time is
// answered 503 with Retry-After, never 201, and nothing is saved; sent again with the same
// Idempotency-Key once the database answers, it is saved once.
func TestSubmitWhileTheDatabaseHangs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, path := testenv.SQLiteFile(t)
	st.SetSubmitDeadline(300 * time.Millisecond)
	a := newTestAPI(t, st)
	release := testenv.HoldSQLiteWriteLock(t, path) // as another process would
	key := map[string]string{"Idempotency-Key": "hung-database-1"}
	r := a.do(http.MethodPost, "/api/v1/requests", submissionJSON(nil), key)
	if p := r.problem(t); r.status != http.StatusServiceUnavailable || p.Code != CodeUnavailable || r.header.Get("Retry-After") == "" {
		t.Fatalf("with the database hung: %d %s (Retry-After %q)", r.status, r.body, r.header.Get("Retry-After"))
	}
	release()
	saved := a.do(http.MethodPost, "/api/v1/requests", submissionJSON(nil), key)
	if saved.status != http.StatusCreated {
		t.Fatalf("sent again: %d %s", saved.status, saved.body)
	}
	if r := a.do(http.MethodPost, "/api/v1/requests", submissionJSON(nil), key); string(r.body) != string(saved.body) {
		t.Errorf("sent a third time: %d %s, want the same answer (replayed): %s", r.status, r.body, saved.body)
	}
	if got, err := st.PublicRequestsByMobile(ctx, "9876543210", 10); err != nil || len(got) != 1 {
		t.Errorf("saved %d requests, %v; want one", len(got), err)
	}
}
