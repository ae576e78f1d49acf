package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doorstep-post/doorstep/internal/testenv"
)

// TestStaffSessionSurvivesARestart: through the real binary, an account made with `doorstep
// user add` logs in, the server is stopped and started again on the same database, and the
// same browser is still logged in.
func TestStaffSessionSurvivesARestart(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) {
		testSessionSurvivesRestart(t, bin, "sqlite:"+filepath.Join(t.TempDir(), "doorstep.db"))
	})
	t.Run("postgres", func(t *testing.T) { testSessionSurvivesRestart(t, bin, testenv.PostgresURL(t)) })
}

func testSessionSurvivesRestart(t *testing.T, bin, databaseURL string) {
	add := exec.Command(bin, "user", "add", "--username", "agra", "--role", "division", "--unit", "agra division", "--password-stdin")
	add.Env = append(os.Environ(), "DOORSTEP_DATABASE_URL="+databaseURL)
	add.Dir = t.TempDir()
	add.Stdin = strings.NewReader("a long enough password\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}

	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	desk := func(p *process) (int, string) {
		t.Helper()
		resp, err := browser.Get(p.url("/desk"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	first := startServe(t, bin, "DOORSTEP_DATABASE_URL="+databaseURL)
	if status, _ := desk(first); status != http.StatusSeeOther {
		t.Fatalf("the desk before logging in: %d, want a redirect to the login page", status)
	}
	resp, err := browser.PostForm(first.url("/staff/login"), url.Values{"username": {"agra"}, "password": {"a long enough password"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/desk" {
		t.Fatalf("login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, body := desk(first); status != http.StatusOK || !strings.Contains(body, "Agra Division") {
		t.Fatalf("the desk after logging in: %d", status)
	}
	first.stop(t)

	second := startServe(t, bin, "DOORSTEP_DATABASE_URL="+databaseURL)
	defer second.stop(t)
	if status, body := desk(second); status != http.StatusOK || !strings.Contains(body, "Agra Division") {
		t.Errorf("the desk after a restart: %d, want the same session still logged in", status)
	}
}
