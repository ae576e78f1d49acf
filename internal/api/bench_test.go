package api

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/requestlog"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// benchAPI is the API handler on a real SQLite file, called without a network in between so
// that the figures are Doorstep's own cost (validation, routing, SQL, JSON).
func benchAPI(b *testing.B, backend testenv.Backend) http.Handler {
	st := backend.Open(b)
	dir := testenv.Directory(b)
	cat := catalogue.New(st)
	return requestlog.Middleware(slog.New(slog.DiscardHandler), New(intake.New(st, dir, cat), desk.New(st, dir, cat)))
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
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/requests/"+refs[n.Add(1)%int64(len(refs))], nil))
			if rec.Code != http.StatusOK {
				b.Errorf("status %d", rec.Code)
				return
			}
		}
	})
}

func BenchmarkTrackByMobile(b *testing.B) {
	for _, backend := range testenv.Backends {
		b.Run(backend.Name, func(b *testing.B) { benchTrackByMobile(b, benchAPI(b, backend)) })
	}
}

func benchTrackByMobile(b *testing.B, h http.Handler) {
	for i := range 1000 {
		submit(b, h, int64(i))
	}
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/requests?mobile=9%09d", n.Add(1)%1000), nil))
			if rec.Code != http.StatusOK {
				b.Errorf("status %d", rec.Code)
				return
			}
		}
	})
}
