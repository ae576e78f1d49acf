package api

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/requestlog"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// benchAPI is the API handler on a real database, called without a network in between so
// that the figures are Doorstep's own cost (validation, routing, SQL, JSON). The request log
// discards its lines, as a server at --log-level warn does.
func benchAPI(b *testing.B, backend testenv.Backend) http.Handler {
	st := backend.Open(b)
	dir := testenv.Directory(b)
	cat := catalogue.New(st)
	return requestlog.Middleware(slog.New(slog.DiscardHandler), New(intake.New(st, dir, cat), desk.New(st, dir, cat),
		dashboard.New(st, dashboard.NewHierarchy(dir), cat)))
}

var pincodes = []string{"110001", "400001", "560001", "226001", "700001", "600001", "500001", "380001"}

// submit reports failures with Errorf: it runs on RunParallel's goroutines, where FailNow is
// not allowed.
func submit(b *testing.B, h http.Handler, n int64) string {
	body := submissionJSON(map[string]any{"mobile": fmt.Sprintf("9%09d", n), "pincode": pincodes[n%int64(len(pincodes))]})
	req := httptest.NewRequest(http.MethodPost, "/api/v1/requests", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var c createdJSON
	if rec.Code != http.StatusCreated {
		b.Errorf("status %d: %s", rec.Code, rec.Body)
	} else if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
		b.Error(err)
	}
	return c.Reference
}

func BenchmarkSubmit(b *testing.B) {
	for _, backend := range testenv.Backends {
		b.Run(backend.Name, func(b *testing.B) { benchSubmit(b, benchAPI(b, backend)) })
	}
}

func benchSubmit(b *testing.B, h http.Handler) {
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			submit(b, h, n.Add(1))
		}
	})
}

func BenchmarkTrackByReference(b *testing.B) {
	for _, backend := range testenv.Backends {
		b.Run(backend.Name, func(b *testing.B) { benchTrackByReference(b, benchAPI(b, backend)) })
	}
}

func benchTrackByReference(b *testing.B, h http.Handler) {
	refs := make([]string, 1000)
	for i := range refs {
		refs[i] = submit(b, h, int64(i))
	}
	reqs := make([]*http.Request, len(refs))
	for i, ref := range refs {
		reqs[i] = httptest.NewRequest(http.MethodGet, "/api/v1/requests/"+ref, nil)
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		w := &benchWriter{header: http.Header{}}
		for pb.Next() {
			// A shallow copy stands for the request the server reads: what is timed is the
			// handler, not httptest's parsing and recording.
			r := *reqs[n.Add(1)%int64(len(reqs))]
			w.reset()
			h.ServeHTTP(w, &r)
			if w.status != http.StatusOK {
				b.Errorf("status %d", w.status)
				return
			}
		}
	})
}

// benchWriter is a ResponseWriter that keeps nothing but the status and the size, so that a
// benchmark's allocations are the handler's own.
type benchWriter struct {
	header http.Header
	status int
	bytes  int
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
	w.bytes += len(p)
	return len(p), nil
}

func (w *benchWriter) reset() {
	clear(w.header)
	w.status, w.bytes = 0, 0
}

func BenchmarkTrackByMobile(b *testing.B) {
	for _, backend := range testenv.Backends {
		b.Run(backend.Name, func(b *testing.B) { benchTrackByMobile(b, benchAPI(b, backend)) })
	}
}

func benchTrackByMobile(b *testing.B, h http.Handler) {
	reqs := make([]*http.Request, 1000)
	for i := range reqs {
		submit(b, h, int64(i))
		reqs[i] = httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/requests?mobile=9%09d", i), nil)
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		w := &benchWriter{header: http.Header{}}
		for pb.Next() {
			r := *reqs[n.Add(1)%int64(len(reqs))]
			w.reset()
			h.ServeHTTP(w, &r)
			if w.status != http.StatusOK {
				b.Errorf("status %d", w.status)
				return
			}
		}
	})
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
