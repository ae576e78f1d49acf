package requestlog

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkMiddleware is the request log's own cost per request, at the level the benchmark
// serves at (warn: the request's info line is not written), around a handler that sets a
// header and writes a small answer.
func BenchmarkMiddleware(b *testing.B) {
	log := slog.New(Handler(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})))
	h := Middleware(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("{}\n"))
	}))
	req := httptest.NewRequest(http.MethodGet, "/api/v1/requests/DS-7KQ4M-9XP3C", nil)
	w := &discardWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.header)
		h.ServeHTTP(w, req)
	}
}

type discardWriter struct{ header http.Header }

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
