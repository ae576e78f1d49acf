package requestlog

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func serve(h http.HandlerFunc) (*httptest.ResponseRecorder, string) {
	var logs bytes.Buffer
	log := slog.New(Handler(slog.NewTextHandler(&logs, nil)))
	rec := httptest.NewRecorder()
	Middleware(log, h).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/track?q=9876543210", nil))
	return rec, logs.String()
}

func TestPanicsBecome500(t *testing.T) {
	rec, logs := serve(func(http.ResponseWriter, *http.Request) { panic("boom") })
	if rec.Code != http.StatusInternalServerError || strings.Count(logs, "\n") != 1 || !strings.Contains(logs, "err=boom") ||
		!strings.Contains(logs, "stack=") || !strings.Contains(logs, "status=500") {
		t.Errorf("status %d, logs %s", rec.Code, logs)
	}
}

// TestOneLinePerRequest: a failure recorded deep down, and anything else logged with the
// request's context, carry the same id as the request's one line, which has the error.
func TestOneLinePerRequest(t *testing.T) {
	rec, logs := serve(func(w http.ResponseWriter, r *http.Request) {
		slog.New(Handler(slog.NewTextHandler(&bytes.Buffer{}, nil))).InfoContext(r.Context(), "elsewhere")
		Fail(r.Context(), "find request", errors.New("database gone"))
		Fail(r.Context(), "second", errors.New("not kept"))
		http.Error(w, "sorry", http.StatusInternalServerError)
	})
	id := rec.Header().Get("X-Request-Id")
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines:\n%s", len(lines), logs)
	}
	for _, want := range []string{"level=ERROR", "request_id=" + id, `failed="find request"`, `err="database gone"`, "status=500", "path=/track"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("the line lacks %s: %s", want, lines[0])
		}
	}
	if strings.Contains(logs, "9876543210") || strings.Contains(logs, "not kept") {
		t.Errorf("the line shows the query string or a second failure: %s", logs)
	}
	if rec2, _ := serve(func(http.ResponseWriter, *http.Request) {}); rec2.Header().Get("X-Request-Id") == id {
		t.Error("two requests got the same id")
	}
}

// The handler's context is the request's, with the id: values and cancellation of the
// server's context still reach it.
func TestContextKeepsTheRequests(t *testing.T) {
	type key struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "outer"))
	var ctx context.Context
	Middleware(slog.New(slog.DiscardHandler), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx = r.Context()
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil).WithContext(parent))
	if ctx.Value(key{}) != "outer" || ID(ctx) == "" {
		t.Errorf("value %v, id %q", ctx.Value(key{}), ID(ctx))
	}
	child, stop := context.WithCancel(ctx)
	defer stop()
	cancel()
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Error("cancelling the request's context did not reach a context made from the handler's")
	}
	if ID(context.Background()) != "" {
		t.Error("an id outside a request")
	}
}
