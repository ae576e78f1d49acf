package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

func newServer(t *testing.T, st store.Store) (*httptest.Server, store.Store, *bytes.Buffer) {
	t.Helper()
	dir := testenv.Directory(t)
	var logs bytes.Buffer
	log := slog.New(LogHandler(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	h, err := Handler(Parts{Store: st, Intake: intake.New(st, dir), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, st, &logs
}

func TestHealthAndReadiness(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		srv, st, _ := newServer(t, st)
		for _, path := range []string{"/healthz", "/readyz"} {
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: %d", path, resp.StatusCode)
			}
		}
		st.Close() // the database goes away: ready no more, but still alive
		for path, want := range map[string]int{"/healthz": http.StatusOK, "/readyz": http.StatusServiceUnavailable} {
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("after closing the database %s: %d, want %d", path, resp.StatusCode, want)
			}
			if want == http.StatusServiceUnavailable && resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("readyz failure is not a problem: %q", resp.Header.Get("Content-Type"))
			}
		}
	})
}

func TestCrossOriginFormPostRefused(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		srv, _, _ := newServer(t, st)
		form := url.Values{"name": {"Asha Devi"}, "form_token": {"abc"}}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/requests", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin form post: %d, want 403", resp.StatusCode)
		}
		// The same post from the portal's own origin gets through to the form handler.
		req, _ = http.NewRequest(http.MethodPost, srv.URL+"/requests", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusForbidden {
			t.Error("a same-origin form post was refused")
		}
	})
}

func TestRequestLogMasksPersonalData(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		srv, _, logs := newServer(t, st)
		resp, err := http.Get(srv.URL + "/api/v1/requests?mobile=9876543210")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		id := resp.Header.Get("X-Request-Id")
		if len(id) != 16 {
			t.Errorf("X-Request-Id = %q", id)
		}
		out := logs.String()
		if !strings.Contains(out, "path=/api/v1/requests") || !strings.Contains(out, "id="+id) || !strings.Contains(out, "status=200") {
			t.Errorf("request line missing:\n%s", out)
		}
		if strings.Contains(out, "9876543210") {
			t.Errorf("log shows the mobile number:\n%s", out)
		}
	})
}

func TestPanicsBecome500(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	h := recoverPanics(log, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(logs.String(), "boom") {
		t.Errorf("status %d, logs %s", rec.Code, logs.String())
	}
}
