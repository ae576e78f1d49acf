package server

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/testenv"
)

// BenchmarkTrackByReference is GET /api/v1/requests/{reference} through the whole handler
// `doorstep serve` runs (client address, request log at warn level, CSRF protection, the
// product's mux, the API), without a network: the per-request cost of Doorstep's own code
// and the store's read.
func BenchmarkTrackByReference(b *testing.B) {
	for _, backend := range testenv.Backends {
		b.Run(backend.Name, func(b *testing.B) {
			st := backend.Open(b)
			log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
			h, err := Handler(Over(st, testenv.Directory(b), log))
			if err != nil {
				b.Fatal(err)
			}
			reqs := make([]*http.Request, 500)
			for i := range reqs {
				body := fmt.Sprintf(`{"name":"Asha Devi","address":"12 Gandhi Road","pincode":"110001","email":"asha@example.com",`+
					`"mobile":"9%09d","service":"emoney_order","details":"","language":"en"}`, i)
				req := httptest.NewRequest(http.MethodPost, "/api/v1/requests", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				var created struct{ Reference string }
				if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil || rec.Code != http.StatusCreated {
					b.Fatalf("submit: %d %s", rec.Code, rec.Body)
				}
				reqs[i] = httptest.NewRequest(http.MethodGet, "/api/v1/requests/"+created.Reference, nil)
			}
			var n atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			defer reportCPU(b)()
			b.RunParallel(func(pb *testing.PB) {
				w := &benchWriter{header: http.Header{}}
				for pb.Next() {
					r := *reqs[n.Add(1)%int64(len(reqs))]
					clear(w.header)
					w.status = 0
					h.ServeHTTP(w, &r)
					if w.status != http.StatusOK {
						b.Errorf("status %d", w.status)
						return
					}
				}
			})
		})
	}
}

// benchWriter is a ResponseWriter that keeps only the status, so that a benchmark's
// allocations are the handler's own.
type benchWriter struct {
	header http.Header
	status int
}

func (w *benchWriter) Header() http.Header { return w.header }

func (w *benchWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *benchWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}

// reportCPU reports the process's CPU time (user and system, every goroutine, the garbage
// collector's too) per operation, from now until the function it returns is called. On this
// shared machine it varies less than the time per operation, which includes waiting for a
// core.
func reportCPU(b *testing.B) func() {
	start := cpuTime(b)
	return func() {
		b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
