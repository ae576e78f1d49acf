package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doorstep-post/doorstep/internal/store/postgres"
	"github.com/doorstep-post/doorstep/internal/store/sqlite"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestHelpDocumentsCommandsAndSettings(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}} {
		var out strings.Builder
		if code := run(context.Background(), args, env(nil), nil, &out, io.Discard); code != 0 {
			t.Fatalf("%v: exit %d", args, code)
		}
		for _, want := range []string{"serve", "migrate", "DOORSTEP_ADDR", "DOORSTEP_DATABASE_URL", "DOORSTEP_LOG_LEVEL", "DOORSTEP_LOG_FORMAT", "DOORSTEP_SHUTDOWN_TIMEOUT", "DOORSTEP_DEBUG_ADDR"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v: help lacks %s", args, want)
			}
		}
	}
	var out strings.Builder
	if code := run(context.Background(), []string{"serve", "--help"}, env(nil), nil, io.Discard, &out); code != 0 || !strings.Contains(out.String(), "--database-url") {
		t.Errorf("serve --help: exit %d, %s", code, out.String())
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "Usage"},
		{[]string{"launch"}, nil, `unknown command "launch"`},
		{[]string{"serve", "extra"}, nil, `unexpected argument "extra"`},
		{[]string{"serve"}, map[string]string{"DOORSTEP_ADDR": "eighty"}, "DOORSTEP_ADDR"},
		{[]string{"migrate", "--shutdown-timeout", "-1s"}, nil, "--shutdown-timeout"},
	}
	for _, tt := range tests {
		var out strings.Builder
		if code := run(context.Background(), tt.args, env(tt.env), nil, io.Discard, &out); code != 2 || !strings.Contains(out.String(), tt.want) {
			t.Errorf("%v: exit %d, output %q; want exit 2 mentioning %q", tt.args, code, out.String(), tt.want)
		}
	}
}

func TestMigrateCreatesTheDatabase(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data", "doorstep.db")
	var logs strings.Builder
	code := run(context.Background(), []string{"migrate"}, env(map[string]string{"DOORSTEP_DATABASE_URL": "sqlite://" + path}), nil, io.Discard, &logs)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, logs.String())
	}
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	services, err := st.Services(context.Background())
	if err != nil || len(services) != 7 {
		t.Errorf("after migrate: %d services, %v", len(services), err)
	}
}

func TestMigratePostgres(t *testing.T) {
	t.Parallel()
	url := testenv.PostgresURL(t)
	for range 2 { // the second run finds nothing to do
		var logs strings.Builder
		if code := run(context.Background(), []string{"migrate"}, env(map[string]string{"DOORSTEP_DATABASE_URL": url}), nil, io.Discard, &logs); code != 0 {
			t.Fatalf("exit %d: %s", code, logs.String())
		}
		if !strings.Contains(logs.String(), "database is up to date") {
			t.Errorf("logs: %s", logs.String())
		}
	}
	st, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	services, err := st.Services(context.Background())
	if err != nil || len(services) != 7 {
		t.Errorf("after migrate: %d services, %v", len(services), err)
	}
}

// The server collects garbage at GOGC=200 unless the operator set GOGC (even to "off").
func TestGCPercentLeavesAnOperatorsGOGC(t *testing.T) {
	for gogc, want := range map[string]bool{"": true, "100": false, "50": false, "off": false} {
		percent, set := gcPercent(func(name string) string {
			if name == "GOGC" {
				return gogc
			}
			return ""
		})
		if set != want || (set && percent != defaultGCPercent) {
			t.Errorf("GOGC=%q: set %v to %d, want set %v", gogc, set, percent, want)
		}
	}
}
