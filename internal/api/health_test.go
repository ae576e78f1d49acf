package api_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/doorstep-post/doorstep/internal/api"
	"github.com/doorstep-post/doorstep/internal/server"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// TestHealthChecksMatchTheSpec: openapi.json documents the health checks, which the whole
// product's handler serves (internal/server) rather than the API's; their answers, ready
// and not ready, match it.
func TestHealthChecksMatchTheSpec(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		h, err := server.Handler(server.Over(st, testenv.Directory(t), slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		client := api.SpecCheckingClient(t)
		get := func(path string, want int) {
			t.Helper()
			resp, err := client.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
			}
		}
		get("/healthz", http.StatusOK)
		get("/readyz", http.StatusOK)
		st.Close() // the database goes away
		get("/readyz", http.StatusServiceUnavailable)
	})
}
