package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/server"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// doorstep is the whole product's handler on st, as `doorstep serve` builds it.
func doorstep(t *testing.T, st store.Store) http.Handler {
	t.Helper()
	h, err := server.Handler(server.Over(st, testenv.Directory(t), slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func startServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func mustMix(t *testing.T, s string) Mix {
	t.Helper()
	m, err := ParseMix(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRunAgainstRealServer(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		url := startServer(t, doorstep(t, st))
		var progress bytes.Buffer
		rep, err := Run(context.Background(), Options{URL: url + "/", Duration: 2 * time.Second, Concurrency: 4,
			Mix: mustMix(t, "submit=50,track=50"), Seed: 42, Timeout: 5 * time.Second}, &progress)
		if err != nil {
			t.Fatal(err)
		}
		var table bytes.Buffer
		rep.WriteTable(&table)
		t.Logf("progress:\n%s\n%s", progress.String(), table.String())

		for _, op := range []string{"submit", "track"} {
			o := rep.Operations[op]
			if o.Requests == 0 || o.OK != o.Requests {
				t.Errorf("%s: %d requests, %d ok; want some, all ok", op, o.Requests, o.OK)
			}
			if !(0 < o.P50 && o.P50 <= o.P95 && o.P95 <= o.P99 && o.P99 <= o.Max) {
				t.Errorf("%s: percentiles out of order: p50 %v p95 %v p99 %v max %v", op, o.P50, o.P95, o.P99, o.Max)
			}
			if o.RPS <= 0 {
				t.Errorf("%s: rps %v", op, o.RPS)
			}
		}
		if _, ok := rep.Operations["track_mobile"]; ok {
			t.Error("track_mobile is reported though not in the mix")
		}
		if len(rep.Errors) != 0 {
			t.Errorf("errors: %v", rep.Errors)
		}
		if rep.Submitted == 0 || rep.Verified != rep.Submitted || len(rep.Lost) != 0 {
			t.Errorf("submitted %d, verified %d, lost %v", rep.Submitted, rep.Verified, rep.Lost)
		}
		if int64(rep.Submitted) != rep.Operations["submit"].OK-rep.Duplicates {
			t.Errorf("submitted %d; want the submit ok count %d less duplicates %d", rep.Submitted, rep.Operations["submit"].OK, rep.Duplicates)
		}
		if rep.DurationSeconds < 2 || rep.DurationSeconds > 4 || rep.Concurrency != 4 || rep.Seed != 42 {
			t.Errorf("duration %vs, concurrency %d, seed %d", rep.DurationSeconds, rep.Concurrency, rep.Seed)
		}
		if rep.Failed() {
			t.Errorf("failed: %v", rep.Failures())
		}
		for _, want := range []string{"operation", "submit", "track", "errors: none", "none lost", "result: PASS"} {
			if !strings.Contains(table.String(), want) {
				t.Errorf("table lacks %q", want)
			}
		}
		if !strings.Contains(progress.String(), "req/s") {
			t.Errorf("no progress line in %q", progress.String())
		}
	})
}

// A mix without submit tracks requests created in an unmeasured warm-up.
func TestRunTrackOnlyWarmsUp(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		url := startServer(t, doorstep(t, st))
		rep, err := Run(context.Background(), Options{URL: url, Duration: time.Second, Concurrency: 3,
			Mix: mustMix(t, "track=3,track_mobile=1"), Timeout: 5 * time.Second}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := rep.Operations["submit"]; ok {
			t.Errorf("submit is reported: %+v", rep.Operations)
		}
		for _, op := range []string{"track", "track_mobile"} {
			if o := rep.Operations[op]; o.Requests == 0 || o.OK != o.Requests {
				t.Errorf("%s: %+v", op, o)
			}
		}
		if rep.Warmup != WarmupRequests || rep.Submitted != WarmupRequests || rep.Verified != WarmupRequests || len(rep.Errors) != 0 {
			t.Errorf("warmup %d, submitted %d, verified %d, errors %v", rep.Warmup, rep.Submitted, rep.Verified, rep.Errors)
		}
		if rep.Seed == 0 || rep.Failed() {
			t.Errorf("seed %d, failures %v", rep.Seed, rep.Failures())
		}
	})
}

// losing wraps a server so that the first two requests it creates cannot be tracked: the first
// is not found, the second answers with another request.
type losing struct {
	next http.Handler
	mu   sync.Mutex
	refs []string
}

func (l *losing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/api/v1/requests" {
		rec := httptest.NewRecorder()
		l.next.ServeHTTP(rec, r)
		var body struct{ Reference string }
		if rec.Code == http.StatusCreated && json.Unmarshal(rec.Body.Bytes(), &body) == nil {
			l.mu.Lock()
			l.refs = append(l.refs, body.Reference)
			l.mu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	ref := strings.TrimPrefix(r.URL.Path, "/api/v1/requests/")
	l.mu.Lock()
	first, second := len(l.refs) > 0 && ref == l.refs[0], len(l.refs) > 1 && ref == l.refs[1]
	l.mu.Unlock()
	switch {
	case first:
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"type":"about:blank","title":"Not Found","status":404,"code":"not_found"}`)
	case second:
		rec := httptest.NewRecorder()
		l.next.ServeHTTP(rec, r)
		_, _ = w.Write(bytes.Replace(rec.Body.Bytes(), []byte(ref), []byte(l.refs[0]), 1))
	default:
		l.next.ServeHTTP(w, r)
	}
}

func TestRunReportsLostRequests(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		l := &losing{next: doorstep(t, st)}
		url := startServer(t, l)
		rep, err := Run(context.Background(), Options{URL: url, Duration: 500 * time.Millisecond, Concurrency: 2,
			Mix: mustMix(t, "submit=1"), Timeout: 5 * time.Second}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Sorted(slices.Values(l.refs[:2]))
		if !slices.Equal(rep.Lost, want) {
			t.Fatalf("lost %v; want %v", rep.Lost, want)
		}
		if !strings.Contains(rep.LostReasons[l.refs[0]], "http 404") || !strings.Contains(rep.LostReasons[l.refs[1]], "answered with reference") {
			t.Errorf("reasons: %v", rep.LostReasons)
		}
		if rep.Submitted != len(l.refs) || rep.Verified != rep.Submitted-2 || len(rep.Errors) != 0 {
			t.Errorf("submitted %d (server created %d), verified %d, errors %v", rep.Submitted, len(l.refs), rep.Verified, rep.Errors)
		}
		if f := rep.Failures(); !slices.Contains(f, "2 lost") {
			t.Errorf("failures %v; want 2 lost", f)
		}
		var table bytes.Buffer
		rep.WriteTable(&table)
		for _, want := range []string{"2 LOST", "LOST " + l.refs[0] + ": http 404", "result: FAIL"} {
			if !strings.Contains(table.String(), want) {
				t.Errorf("table lacks %q:\n%s", want, table.String())
			}
		}
	})
}

// faulty wraps a server: every 4th submission gets a 500 (and is not created), and early on
// every 10th tracking call is slower than the test's timeout.
type faulty struct {
	next          http.Handler
	posts, gets   atomic.Int64
	slowUntil     time.Time
	slowFor       time.Duration
	rejectedPosts atomic.Int64
}

func (f *faulty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && f.posts.Add(1)%4 == 0:
		f.rejectedPosts.Add(1)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"type":"about:blank","title":"Internal Server Error","status":500,"code":"internal_error"}`)
		return
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v1/requests/") &&
		time.Now().Before(f.slowUntil) && f.gets.Add(1)%10 == 0:
		select {
		case <-time.After(f.slowFor):
		case <-r.Context().Done():
			return
		}
	}
	f.next.ServeHTTP(w, r)
}

func TestRunCountsErrorsByKind(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		f := &faulty{next: doorstep(t, st), slowUntil: time.Now().Add(700 * time.Millisecond), slowFor: 500 * time.Millisecond}
		url := startServer(t, f)
		rep, err := Run(context.Background(), Options{URL: url, Duration: time.Second, Concurrency: 4,
			Mix: mustMix(t, "submit=1,track=1"), Timeout: 200 * time.Millisecond}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Errors["http 500"] != f.rejectedPosts.Load() || rep.Errors["timeout"] == 0 {
			t.Errorf("errors %v; want http 500: %d and some timeouts", rep.Errors, f.rejectedPosts.Load())
		}
		if s := rep.Operations["submit"]; s.Requests-s.OK < rep.Errors["http 500"] {
			t.Errorf("submit %+v: fewer failed calls than 500s", s)
		}
		if len(rep.Lost) != 0 || rep.Verified != rep.Submitted {
			t.Errorf("lost %v, verified %d of %d", rep.Lost, rep.Verified, rep.Submitted)
		}
		failures := strings.Join(rep.Failures(), "; ")
		if !strings.Contains(failures, "http 500") || !strings.Contains(failures, "timeout") {
			t.Errorf("failures %q; want http 500 and timeout", failures)
		}
	})
}

// 4xx answers are reported but do not fail a run; a division that differs from the
// directory's is a wrong answer and does.
func TestFailuresBySeverity(t *testing.T) {
	rep := &Report{Errors: map[string]int64{"http 422": 3, "http 404": 1}, Lost: []string{}}
	if rep.Failed() {
		t.Errorf("4xx only: failures %v", rep.Failures())
	}
	for _, kind := range []string{"http 500", "http 503", "timeout", "connection refused", "network", kindBadBody, kindDivisionMismatch} {
		rep := &Report{Errors: map[string]int64{kind: 1}}
		if !rep.Failed() {
			t.Errorf("%s does not fail the run", kind)
		}
	}
	if rep := (&Report{Interrupted: true}); !rep.Failed() {
		t.Error("an interrupted run passes")
	}
}

func TestRunCannotReachServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = Run(context.Background(), Options{URL: "http://" + addr, Duration: time.Second, Concurrency: 1,
		Mix: mustMix(t, "submit=1"), Timeout: time.Second}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err = %v; want connection refused", err)
	}
}

func TestRunInterrupted(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		url := startServer(t, doorstep(t, st))
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		rep, err := Run(ctx, Options{URL: url, Duration: time.Minute, Concurrency: 2,
			Mix: mustMix(t, "submit=1,track=1"), Timeout: 5 * time.Second}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > 5*time.Second || !rep.Interrupted || rep.Verified != 0 || len(rep.Errors) != 0 || !rep.Failed() {
			t.Errorf("after %v: interrupted %v, verified %d, errors %v, failures %v", time.Since(start), rep.Interrupted, rep.Verified, rep.Errors, rep.Failures())
		}
	})
}

func TestOptionsValidate(t *testing.T) {
	good := Options{URL: "http://127.0.0.1:8080", Duration: time.Second, Concurrency: 1, Mix: Mix{{OpSubmit, 1}}, Timeout: time.Second}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		change func(*Options)
		want   string
	}{
		{func(o *Options) { o.URL = "" }, "--url is required"},
		{func(o *Options) { o.URL = "127.0.0.1:8080" }, "http://"},
		{func(o *Options) { o.URL = "ftp://host" }, "http://"},
		{func(o *Options) { o.URL = "http://" }, "no host"},
		{func(o *Options) { o.URL = "http://host/?x=1" }, "base URL"},
		{func(o *Options) { o.Duration = 0 }, "--duration"},
		{func(o *Options) { o.Concurrency = 0 }, "--concurrency"},
		{func(o *Options) { o.Concurrency = MaxConcurrency + 1 }, "--concurrency"},
		{func(o *Options) { o.Timeout = -time.Second }, "--timeout"},
		{func(o *Options) { o.Mix = nil }, "--mix"},
		{func(o *Options) { o.Mix = Mix{{OpSubmit, 0}} }, "--mix"},
		{func(o *Options) { o.Mix = Mix{{"browse", 1}} }, "--mix"},
	}
	for _, tt := range tests {
		o := good
		tt.change(&o)
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err = %v; want it to mention %q", o, err, tt.want)
		}
	}
}

// The JSON keeps the field names a benchmark script reads.
func TestReportJSONFieldNames(t *testing.T) {
	rep := &Report{URL: "http://x", Operations: map[string]OpReport{"submit": {}}, Errors: map[string]int64{}, Lost: []string{}}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"url", "duration_seconds", "concurrency", "operations", "errors", "submitted", "verified", "lost"} {
		if _, ok := got[key]; !ok {
			t.Errorf("JSON lacks %q: %s", key, b)
		}
	}
	if string(got["errors"]) != "{}" || string(got["lost"]) != "[]" {
		t.Errorf("errors %s, lost %s; want {} and []", got["errors"], got["lost"])
	}
	var ops map[string]map[string]json.RawMessage
	if err := json.Unmarshal(got["operations"], &ops); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"requests", "ok", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms"} {
		if _, ok := ops["submit"][key]; !ok {
			t.Errorf("operation JSON lacks %q: %s", key, got["operations"])
		}
	}
}
