package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/requestlog"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

func newServer(t *testing.T, st store.Store) (*httptest.Server, store.Store, *bytes.Buffer) {
	t.Helper()
	dir := testenv.Directory(t)
	var logs bytes.Buffer
	log := slog.New(requestlog.Handler(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	h, err := Handler(Over(st, dir, log))
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
		if len(id) < 9 {
			t.Errorf("X-Request-Id = %q", id)
		}
		out := logs.String()
		if !strings.Contains(out, "path=/api/v1/requests") || !strings.Contains(out, "request_id="+id) || !strings.Contains(out, "status=200") {
			t.Errorf("request line missing:\n%s", out)
		}
		if strings.Contains(out, "9876543210") {
			t.Errorf("log shows the mobile number:\n%s", out)
		}
	})
}

// TestAFailedRequestIsLoggedOnce: whichever surface fails, the failure is one log line, the
// request's own, with its id under one key and the error that failed it.
func TestAFailedRequestIsLoggedOnce(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		srv, st, logs := newServer(t, st)
		ref := request.NewReference().String()
		st.Close() // every query fails from now on
		for _, path := range []string{"/track?q=" + ref, "/api/v1/requests/" + ref, "/requests/" + ref, "/api/v1/services", "/readyz"} {
			logs.Reset()
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			id := resp.Header.Get("X-Request-Id")
			if resp.StatusCode < 500 {
				t.Errorf("%s with the database gone: %d", path, resp.StatusCode)
			}
			var lines []string
			for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				if strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") {
					lines = append(lines, line)
				}
			}
			if len(lines) != 1 {
				t.Errorf("%s: %d error lines, want 1:\n%s", path, len(lines), logs.String())
				continue
			}
			if line := lines[0]; !strings.Contains(line, "request_id="+id) || strings.Count(line, "request_id=") != 1 ||
				!strings.Contains(line, "err=") || !strings.Contains(line, "status=") {
				t.Errorf("%s: the error line lacks the request id, the status or the error: %s", path, line)
			}
		}
	})
}
