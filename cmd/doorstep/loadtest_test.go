package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doorstep-post/doorstep/internal/server"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

func TestLoadtestHelpListsEveryFlag(t *testing.T) {
	var out strings.Builder
	if code := run(context.Background(), []string{"loadtest", "--help"}, env(nil), nil, io.Discard, &out); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"-url", "-duration", "-concurrency", "-mix", "-json", "-seed", "-timeout",
		"submit", "track_mobile", "Exit status", "Example", "doorstep loadtest --url http://127.0.0.1:8080"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("loadtest --help lacks %q:\n%s", want, out.String())
		}
	}
	var usage strings.Builder
	run(context.Background(), []string{"help"}, env(nil), nil, &usage, io.Discard)
	if !strings.Contains(usage.String(), "doorstep loadtest") {
		t.Errorf("doorstep help does not list loadtest:\n%s", usage.String())
	}
}

func TestLoadtestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"loadtest"}, "--url is required"},
		{[]string{"loadtest", "--url", "localhost:8080"}, "http://"},
		{[]string{"loadtest", "--url", "http://127.0.0.1:1", "--mix", "submit=20,browse=80"}, `unknown operation "browse"`},
		{[]string{"loadtest", "--url", "http://127.0.0.1:1", "--concurrency", "0"}, "--concurrency"},
		{[]string{"loadtest", "--url", "http://127.0.0.1:1", "--duration", "soon"}, "-duration"},
		{[]string{"loadtest", "--url", "http://127.0.0.1:1", "extra"}, `unexpected argument "extra"`},
		{[]string{"loadtest", "--rate", "5"}, "-rate"},
	}
	for _, tt := range tests {
		var out strings.Builder
		// The server's settings play no part: a bad one must not stop the load test.
		if code := run(context.Background(), tt.args, env(map[string]string{"DOORSTEP_ADDR": "eighty"}), nil, io.Discard, &out); code != 2 || !strings.Contains(out.String(), tt.want) {
			t.Errorf("%v: exit %d, output %q; want exit 2 mentioning %q", tt.args, code, out.String(), tt.want)
		}
	}
}

func TestLoadtestAgainstServer(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		h, err := server.Handler(server.Over(st, testenv.Directory(t), slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		file := filepath.Join(t.TempDir(), "report.json")
		var stdout, stderr strings.Builder
		code := run(context.Background(), []string{"loadtest", "--url", srv.URL, "--duration", "2500ms", "--concurrency", "2",
			"--mix", "submit=2,track=1,track_mobile=1", "--seed", "7", "--json", file}, env(nil), nil, &stdout, &stderr)
		if code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
		}
		for _, want := range []string{"operation", "track_mobile", "errors: none", "none lost", "result: PASS"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
			}
		}
		if !strings.Contains(stderr.String(), "req/s") || !strings.Contains(stderr.String(), "seed 7") {
			t.Errorf("stderr lacks progress:\n%s", stderr.String())
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			URL        string `json:"url"`
			Operations map[string]struct {
				Requests int64   `json:"requests"`
				P99      float64 `json:"p99_ms"`
			} `json:"operations"`
			Submitted int      `json:"submitted"`
			Verified  int      `json:"verified"`
			Lost      []string `json:"lost"`
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		if rep.URL != srv.URL || rep.Operations["submit"].Requests == 0 || rep.Operations["track_mobile"].P99 <= 0 ||
			rep.Submitted == 0 || rep.Verified != rep.Submitted || rep.Lost == nil || len(rep.Lost) != 0 {
			t.Errorf("JSON report: %s", b)
		}
	})
}

func TestLoadtestUnreachableServerExits1(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var stderr strings.Builder
	if code := run(context.Background(), []string{"loadtest", "--url", "http://" + addr, "--duration", "1s"}, env(nil), nil, io.Discard, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "connection refused") {
		t.Errorf("exit %d, stderr %q; want exit 1, connection refused", code, stderr.String())
	}
}
