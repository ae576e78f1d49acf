package config

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	c, err := Load("serve", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: ":8080", Database: Database{Driver: "sqlite", Path: "doorstep.db", URL: "sqlite:doorstep.db"},
		LogLevel: slog.LevelInfo, LogFormat: "text", ShutdownTimeout: 30 * time.Second}
	if c != want {
		t.Errorf("defaults = %+v, want %+v", c, want)
	}
}

func TestEnvironmentAndFlags(t *testing.T) {
	c, err := Load("serve", []string{"--addr", "127.0.0.1:9000"}, env(map[string]string{
		"DOORSTEP_ADDR":             ":7000",
		"DOORSTEP_DATABASE_URL":     "sqlite:///var/lib/doorstep/doorstep.db",
		"DOORSTEP_LOG_LEVEL":        "debug",
		"DOORSTEP_LOG_FORMAT":       "json",
		"DOORSTEP_SHUTDOWN_TIMEOUT": "5s",
		"DOORSTEP_DEBUG_ADDR":       "127.0.0.1:6060",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" {
		t.Errorf("flag did not win over the environment: addr %q", c.Addr)
	}
	if c.Database.Path != "/var/lib/doorstep/doorstep.db" || c.LogLevel != slog.LevelDebug || c.LogFormat != "json" || c.ShutdownTimeout != 5*time.Second || c.DebugAddr != "127.0.0.1:6060" {
		t.Errorf("config = %+v", c)
	}
}

func TestBadValuesNameTheirSource(t *testing.T) {
	_, err := Load("serve", []string{"--log-format", "xml"}, env(map[string]string{
		"DOORSTEP_ADDR":             "8080",
		"DOORSTEP_SHUTDOWN_TIMEOUT": "soon",
		"DOORSTEP_LOG_LEVEL":        "loud",
		"DOORSTEP_DATABASE_URL":     "mysql://x",
		"DOORSTEP_DEBUG_ADDR":       "6060",
	}), io.Discard)
	if err == nil {
		t.Fatal("bad values accepted")
	}
	for _, want := range []string{"DOORSTEP_ADDR", "DOORSTEP_SHUTDOWN_TIMEOUT", "DOORSTEP_LOG_LEVEL", "DOORSTEP_DATABASE_URL", "DOORSTEP_DEBUG_ADDR", "--log-format"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestDatabaseURLs(t *testing.T) {
	ok := map[string]string{
		"sqlite:doorstep.db":          "doorstep.db",
		"sqlite://data/doorstep.db":   "data/doorstep.db",
		"sqlite:///var/lib/x.db":      "/var/lib/x.db",
		"sqlite:/tmp/with%20space.db": "/tmp/with space.db",
	}
	for in, want := range ok {
		db, err := ParseDatabaseURL(in)
		if err != nil || db.Driver != "sqlite" || db.Path != want {
			t.Errorf("ParseDatabaseURL(%q) = %+v, %v; want path %q", in, db, err, want)
		}
	}
	pg, err := ParseDatabaseURL("postgres://doorstep:secret@db.internal:5432/doorstep?sslmode=require")
	if err != nil || pg.Driver != "postgres" || strings.Contains(pg.Display(), "secret") || !strings.Contains(pg.Display(), "db.internal") {
		t.Errorf("postgres URL: %+v (display %q), %v", pg, pg.Display(), err)
	}
	for _, in := range []string{"", "doorstep.db", "sqlite:", "sqlite:x.db?mode=memory", "postgres://u:secret@/db", "mysql://u:secret@h/db"} {
		_, err := ParseDatabaseURL(in)
		if err == nil {
			t.Errorf("ParseDatabaseURL(%q) accepted it", in)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("error shows a password: %v", err)
		}
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	var out strings.Builder
	_, err := Load("serve", []string{"--help"}, env(nil), &out)
	if !errors.Is(err, ErrHelp) {
		t.Fatalf("error = %v, want ErrHelp", err)
	}
	for _, s := range settings {
		if !strings.Contains(out.String(), s.env) || !strings.Contains(out.String(), "--"+s.flag) {
			t.Errorf("help lacks %s / --%s:\n%s", s.env, s.flag, out.String())
		}
	}
}
