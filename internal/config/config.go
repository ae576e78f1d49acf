// Package config reads Doorstep's settings from environment variables and command-line flags
// (a flag wins over its variable), checks them, and returns them as a typed Config.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of a running Doorstep.
type Config struct {
	Addr            string
	Database        Database
	LogLevel        slog.Level
	LogFormat       string // "text" or "json"
	ShutdownTimeout time.Duration
	DebugAddr       string // where Go's pprof profiles are served; empty: nowhere
}

// Database says which backend to use and where.
type Database struct {
	Driver string // "sqlite" or "postgres"
	Path   string // the SQLite file
	URL    string // as configured; may hold a password: log Display() instead
}

// Display is the database for logs and messages, without a password.
func (d Database) Display() string {
	if d.Driver == "sqlite" {
		return d.Path
	}
	return redact(d.URL)
}

// setting is one configurable value: its flag, its environment variable and its default.
type setting struct {
	flag, env, def, usage string
	apply                 func(c *Config, value string) error
}

var settings = []setting{
	{"addr", "DOORSTEP_ADDR", ":8080", "address to listen on, host:port",
		func(c *Config, v string) error {
			if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
				return fmt.Errorf("%q is not host:port (for example :8080 or 127.0.0.1:8080)", v)
			}
			c.Addr = v
			return nil
		}},
	{"database-url", "DOORSTEP_DATABASE_URL", "sqlite:doorstep.db", "database: sqlite:FILE, sqlite:///ABSOLUTE/PATH or postgres://USER:PASSWORD@HOST:PORT/DB",
		func(c *Config, v string) (err error) {
			c.Database, err = ParseDatabaseURL(v)
			return err
		}},
	{"log-level", "DOORSTEP_LOG_LEVEL", "info", "least severe log level written: debug, info, warn or error",
		func(c *Config, v string) error {
			if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
				return fmt.Errorf("%q is not one of debug, info, warn, error", v)
			}
			return nil
		}},
	{"log-format", "DOORSTEP_LOG_FORMAT", "text", "log format: text or json",
		func(c *Config, v string) error {
			if v != "text" && v != "json" {
				return fmt.Errorf("%q is not text or json", v)
			}
			c.LogFormat = v
			return nil
		}},
	{"shutdown-timeout", "DOORSTEP_SHUTDOWN_TIMEOUT", "30s", "how long requests in flight may take to finish at shutdown",
		func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("%q is not a positive duration (for example 30s)", v)
			}
			c.ShutdownTimeout = d
			return nil
		}},
	{"debug-addr", "DOORSTEP_DEBUG_ADDR", "", "address for Go's pprof profiles (/debug/pprof/), e.g. 127.0.0.1:6060; keep it private; empty: off",
		func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
				return fmt.Errorf("%q is not host:port (for example 127.0.0.1:6060)", v)
			}
			c.DebugAddr = v
			return nil
		}},
}

// ParseDatabaseURL reads DOORSTEP_DATABASE_URL. "sqlite:doorstep.db" and
// "sqlite://doorstep.db" are relative to the working directory, "sqlite:///var/lib/x.db" is
// absolute; "postgres://..." (or "postgresql://...") is a PostgreSQL connection URL as pgx
// takes it, parameters such as sslmode and pool_max_conns included.
func ParseDatabaseURL(raw string) (Database, error) {
	db := Database{URL: raw}
	switch {
	case strings.HasPrefix(raw, "sqlite://"):
		db.Driver, db.Path = "sqlite", strings.TrimPrefix(raw, "sqlite://")
	case strings.HasPrefix(raw, "sqlite:"):
		db.Driver, db.Path = "sqlite", strings.TrimPrefix(raw, "sqlite:")
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return db, fmt.Errorf("%q is not a PostgreSQL URL like postgres://user:password@host:5432/doorstep", redact(raw))
		}
		db.Driver = "postgres"
		return db, nil
	default:
		return db, fmt.Errorf("%q is not a database URL; use sqlite:FILE (e.g. sqlite:doorstep.db) or postgres://HOST/DB", redact(raw))
	}
	if p, err := url.PathUnescape(db.Path); err == nil {
		db.Path = p
	}
	if db.Path == "" || strings.ContainsAny(db.Path, "?#") {
		return db, fmt.Errorf("%q names no usable SQLite file", redact(raw))
	}
	return db, nil
}

// redact hides a password in a URL for error messages.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return u.Redacted()
	}
	return raw
}

// ErrHelp is returned by Load when -h or --help was asked for; the usage has been printed.
var ErrHelp = flag.ErrHelp

// Load reads the settings for a command from args (the command's flags) and getenv. Usage
// and errors about flags go to output.
func Load(command string, args []string, getenv func(string) string, output io.Writer) (Config, error) {
	fs := flag.NewFlagSet("doorstep "+command, flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Usage = func() {
		fmt.Fprintf(output, "Usage: doorstep %s [flags]\n\nSettings (a flag wins over its environment variable):\n", command)
		WriteSettings(output)
	}
	values := make([]*string, len(settings))
	for i, s := range settings {
		values[i] = fs.String(s.flag, "", s.usage)
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q; see doorstep %s --help", fs.Arg(0), command)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	var c Config
	var errs []error
	for i, s := range settings {
		value, source := s.def, "default"
		if v := getenv(s.env); v != "" {
			value, source = v, s.env
		}
		if set[s.flag] {
			value, source = *values[i], "--"+s.flag
		}
		if err := s.apply(&c, value); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", source, err))
		}
	}
	return c, errors.Join(errs...)
}

// WriteSettings prints the table of settings, for help texts.
func WriteSettings(w io.Writer) {
	for _, s := range settings {
		fmt.Fprintf(w, "  --%-18s %-27s %s (default %s)\n", s.flag, s.env, s.usage, strconv.Quote(s.def))
	}
}
