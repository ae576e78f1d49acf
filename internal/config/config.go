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
	"net/mail"
	"net/netip"
	"net/textproto"
	"net/url"
	"slices"
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

	// Notifications. With no SMTP or SMS URL, that channel goes to a local outbox file.
	SMTP          SMTP          // where e-mail is sent; zero: the local outbox
	MailFrom      string        // the From of every e-mail, e.g. "Doorstep <no-reply@localhost>"
	SMSURL        string        // the HTTP SMS gateway; empty: the local outbox. May hold a key: log DisplayURL(SMSURL)
	SMSHeaders    Headers       // extra headers for the SMS gateway; values are secrets, never log them
	NotifyTimeout time.Duration // how long one SMS or e-mail may take to hand over
	PublicURL     string        // the portal's address for customers, without a trailing slash
	OTPRequired   bool          // a request needs the one-time code sent to its mobile
	// TrustedProxies are the load balancers whose X-Forwarded-For names the client, for the
	// audit log's "from where"; empty: the TCP peer is the client.
	TrustedProxies []netip.Prefix
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
	{"smtp-url", "DOORSTEP_SMTP_URL", "", "SMTP server for e-mail: smtp://USER:PASSWORD@HOST:587 (STARTTLS) or smtps://USER:PASSWORD@HOST:465; empty: a local outbox file",
		func(c *Config, v string) (err error) {
			if v == "" {
				return nil
			}
			c.SMTP, err = ParseSMTPURL(v)
			return err
		}},
	{"mail-from", "DOORSTEP_MAIL_FROM", "Doorstep <no-reply@localhost>", "From address of e-mail sent to customers",
		func(c *Config, v string) error {
			a, err := mail.ParseAddress(v)
			if err != nil || !strings.Contains(a.Address, "@") {
				return fmt.Errorf("%q is not an e-mail address like Doorstep <no-reply@example.gov.in>", v)
			}
			c.MailFrom = v
			return nil
		}},
	{"sms-url", "DOORSTEP_SMS_URL", "", "HTTP SMS gateway that takes a JSON POST, http(s)://HOST/PATH; empty: a local outbox file",
		func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("%q is not an http:// or https:// URL with a host", DisplayURL(v))
			}
			c.SMSURL = v
			return nil
		}},
	{"sms-headers", "DOORSTEP_SMS_HEADERS", "", "extra HTTP headers for the SMS gateway, NAME=VALUE,NAME=VALUE (e.g. X-Api-Key=KEY); values are kept secret",
		func(c *Config, v string) (err error) {
			c.SMSHeaders, err = ParseHeaders(v)
			return err
		}},
	{"notify-timeout", "DOORSTEP_NOTIFY_TIMEOUT", "10s", "how long handing one SMS or e-mail to its gateway may take",
		func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("%q is not a positive duration (for example 10s)", v)
			}
			c.NotifyTimeout = d
			return nil
		}},
	{"otp", "DOORSTEP_OTP", "required", "one-time code by SMS before a request is accepted: required or off",
		func(c *Config, v string) error {
			switch v {
			case "required":
				c.OTPRequired = true
			case "off":
				c.OTPRequired = false
			default:
				return fmt.Errorf("%q is not required or off", v)
			}
			return nil
		}},
	{"public-url", "DOORSTEP_PUBLIC_URL", "http://localhost:8080", "the portal's address as customers reach it, for links in SMS and e-mail (keep it short: Hindi SMS have little room)",
		func(c *Config, v string) error {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
				return fmt.Errorf("%q is not an http(s) address like https://doorstep.example.in", redact(v))
			}
			c.PublicURL = strings.TrimRight(v, "/")
			return nil
		}},
	{"trusted-proxies", "DOORSTEP_TRUSTED_PROXIES", "", "comma-separated addresses or CIDR ranges of load balancers whose X-Forwarded-For header gives the client's address (for the audit log)",
		func(c *Config, v string) error {
			c.TrustedProxies = nil
			for _, part := range strings.Split(v, ",") {
				if part = strings.TrimSpace(part); part == "" {
					continue
				}
				prefix, err := netip.ParsePrefix(part)
				if err != nil {
					addr, aerr := netip.ParseAddr(part)
					if aerr != nil {
						return fmt.Errorf("%q is not an IP address or CIDR range like 10.0.0.0/8", part)
					}
					prefix = netip.PrefixFrom(addr, addr.BitLen())
				}
				c.TrustedProxies = append(c.TrustedProxies, prefix.Masked())
			}
			return nil
		}},
}

// TLS says how the connection to an SMTP server is protected.
type TLS string

// The ways to reach an SMTP server.
const (
	StartTLS         TLS = "starttls"          // smtp://: STARTTLS, refused if the server does not offer it
	StartTLSOptional TLS = "starttls-optional" // smtp://...?starttls=optional, and smtp://localhost: STARTTLS if offered
	ImplicitTLS      TLS = "tls"               // smtps://: TLS from the first byte
	NoTLS            TLS = "none"              // smtp://...?tls=none: plain text (tests, a relay on the same host)
)

// SMTP is the mail server read from DOORSTEP_SMTP_URL.
type SMTP struct {
	URL      string // as configured; holds the password: log Display() instead
	Host     string
	Port     int
	Username string // empty: no authentication
	Password string
	TLS      TLS
	Auth     string // SASL mechanism when Username is set: "PLAIN" (default), "LOGIN" or "CRAM-MD5"
}

// Display is the server for logs and messages, without a password.
func (s SMTP) Display() string {
	return DisplayURL(s.URL)
}

// String is Display, so that printing a Config shows no password.
func (s SMTP) String() string { return s.Display() }

// Headers are HTTP headers whose values are secrets.
type Headers map[string]string

// String shows the names only, so that printing a Config shows no key.
func (h Headers) String() string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name+"=xxxxx")
	}
	slices.Sort(names)
	return "[" + strings.Join(names, " ") + "]"
}

// ParseSMTPURL reads DOORSTEP_SMTP_URL:
//
//	smtp://USER:PASSWORD@HOST:587   STARTTLS, mandatory (port 587 when none is given)
//	smtps://USER:PASSWORD@HOST:465  TLS from the start (port 465 when none is given)
//
// Options in the query: starttls=optional (use STARTTLS when offered; the default for
// localhost, 127.0.0.1 and ::1), starttls=required (also for localhost), tls=none (never
// encrypt: only for tests and a relay on the same host), auth=plain|login|cram-md5. A user
// name and password in the URL are percent-encoded ("p%40ss" for "p@ss"). Errors never
// contain the password.
func ParseSMTPURL(raw string) (SMTP, error) {
	const example = "smtp://user:password@host:587 or smtps://user:password@host:465"
	s := SMTP{URL: raw}
	u, err := url.Parse(raw)
	if err != nil {
		// The value is not shown: what failed to parse may be the password.
		return s, fmt.Errorf("this is not a URL like %s (special characters in the user name or password must be percent-encoded)", example)
	}
	shown := DisplayURL(raw)
	switch u.Scheme {
	case "smtp":
		s.Port, s.TLS = 587, StartTLS
	case "smtps":
		s.Port, s.TLS = 465, ImplicitTLS
	default:
		return s, fmt.Errorf("%q is not an SMTP URL like %s", shown, example)
	}
	s.Host = u.Hostname()
	if s.Host == "" || (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return s, fmt.Errorf("%q is not an SMTP URL like %s", shown, example)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return s, fmt.Errorf("%q has no valid port", shown)
		}
		s.Port = n
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
		if s.Username == "" {
			return s, fmt.Errorf("%q has a password but no user name", shown)
		}
	}
	switch s.Host {
	case "localhost", "127.0.0.1", "::1":
		if s.TLS == StartTLS {
			s.TLS = StartTLSOptional
		}
	}
	s.Auth = "PLAIN"
	query := u.Query()
	if query.Has("tls") && query.Has("starttls") {
		return s, fmt.Errorf("%q: tls=none and starttls contradict each other", shown)
	}
	for key, values := range query {
		v := strings.ToLower(values[len(values)-1])
		switch {
		case key == "starttls" && u.Scheme == "smtp" && v == "optional":
			s.TLS = StartTLSOptional
		case key == "starttls" && u.Scheme == "smtp" && v == "required":
			s.TLS = StartTLS
		case key == "tls" && u.Scheme == "smtp" && v == "none":
			s.TLS = NoTLS
		case key == "auth" && (v == "plain" || v == "login" || v == "cram-md5"):
			s.Auth = strings.ToUpper(v)
		default:
			return s, fmt.Errorf("%q: unknown option %s; smtp:// takes starttls=optional|required and tls=none, both take auth=plain|login|cram-md5", shown, key)
		}
	}
	return s, nil
}

// DisplayURL is a URL for logs and messages: without its password and without the values
// of its query (which may hold a key).
func DisplayURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(not a URL)" // what failed to parse may be a password
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"xxxxx"}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// ParseHeaders reads extra HTTP headers given as NAME=VALUE,NAME=VALUE. Spaces around names
// and values are dropped; a value cannot contain a comma. Errors name the header but never
// show a value: values are usually keys.
func ParseHeaders(raw string) (Headers, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	entries := strings.Split(raw, ",")
	headers := make(Headers, len(entries))
	for i, entry := range entries {
		name, value, ok := strings.Cut(entry, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok:
			return nil, fmt.Errorf("entry %d of %d is not NAME=VALUE (a value cannot contain a comma)", i+1, len(entries))
		case !isToken(name):
			return nil, fmt.Errorf("entry %d of %d: %q is not a header name", i+1, len(entries), name)
		case value == "":
			return nil, fmt.Errorf("header %s has no value", name)
		case strings.ContainsFunc(value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }):
			return nil, fmt.Errorf("header %s: its value contains a control character", name)
		}
		name = textproto.CanonicalMIMEHeaderKey(name)
		if _, dup := headers[name]; dup {
			return nil, fmt.Errorf("header %s is given twice", name)
		}
		headers[name] = value
	}
	return headers, nil
}

// isToken reports whether s is an HTTP token (RFC 9110, section 5.6.2), as header names are.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r >= 0x7f || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
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

// redact hides a password in a URL for error messages. A URL that does not parse may still
// hold one, so it is not shown at all.
func redact(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "(an address that cannot be read)"
	case u.User != nil:
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
