package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
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
		LogLevel: slog.LevelInfo, LogFormat: "text", ShutdownTimeout: 30 * time.Second,
		MailFrom: "Doorstep <no-reply@localhost>", NotifyTimeout: 10 * time.Second, PublicURL: "http://localhost:8080", OTPRequired: true}
	if !reflect.DeepEqual(c, want) {
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

func TestNotificationSettings(t *testing.T) {
	c, err := Load("serve", []string{"--notify-timeout", "3s"}, env(map[string]string{
		"DOORSTEP_SMTP_URL":       "smtps://mailer%40post:s%3Acret@smtp.example.gov.in",
		"DOORSTEP_MAIL_FROM":      "India Post Doorstep <doorstep@example.gov.in>",
		"DOORSTEP_SMS_URL":        "https://sms.example.gov.in/v1/send",
		"DOORSTEP_SMS_HEADERS":    "Authorization=Bearer abc=, x-api-key = xyz",
		"DOORSTEP_NOTIFY_TIMEOUT": "20s",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	wantSMTP := SMTP{URL: "smtps://mailer%40post:s%3Acret@smtp.example.gov.in", Host: "smtp.example.gov.in", Port: 465,
		Username: "mailer@post", Password: "s:cret", TLS: ImplicitTLS, Auth: "PLAIN"}
	if c.SMTP != wantSMTP {
		t.Errorf("SMTP = %+v, want %+v", c.SMTP, wantSMTP)
	}
	if c.MailFrom != "India Post Doorstep <doorstep@example.gov.in>" || c.SMSURL != "https://sms.example.gov.in/v1/send" || c.NotifyTimeout != 3*time.Second {
		t.Errorf("config = %+v", c)
	}
	if want := (Headers{"Authorization": "Bearer abc=", "X-Api-Key": "xyz"}); !reflect.DeepEqual(c.SMSHeaders, want) {
		t.Errorf("SMS headers = %q, want %q", map[string]string(c.SMSHeaders), map[string]string(want))
	}
	// Printing the whole Config, as a careless log line might, shows no secret.
	for _, format := range []string{"%v", "%+v"} {
		if out := fmt.Sprintf(format, c); strings.Contains(out, "cret") || strings.Contains(out, "abc") || strings.Contains(out, "xyz") ||
			!strings.Contains(out, "X-Api-Key=xxxxx") {
			t.Errorf("Sprintf(%q, config) = %s", format, out)
		}
	}
	if d := c.SMTP.Display(); strings.Contains(d, "cret") || !strings.Contains(d, "smtp.example.gov.in") {
		t.Errorf("Display() = %q", d)
	}
}

func TestSMTPURLs(t *testing.T) {
	ok := map[string]SMTP{
		"smtp://u:p@mail.example.com":                    {Host: "mail.example.com", Port: 587, Username: "u", Password: "p", TLS: StartTLS, Auth: "PLAIN"},
		"smtp://mail.example.com:2525?starttls=optional": {Host: "mail.example.com", Port: 2525, TLS: StartTLSOptional, Auth: "PLAIN"},
		"smtp://localhost:25":                            {Host: "localhost", Port: 25, TLS: StartTLSOptional, Auth: "PLAIN"},
		"smtp://127.0.0.1:25?starttls=required":          {Host: "127.0.0.1", Port: 25, TLS: StartTLS, Auth: "PLAIN"},
		"smtp://u:p@127.0.0.1:2525?tls=none&auth=login":  {Host: "127.0.0.1", Port: 2525, Username: "u", Password: "p", TLS: NoTLS, Auth: "LOGIN"},
		"smtps://u:p@[::1]:4650/?auth=CRAM-MD5":          {Host: "::1", Port: 4650, Username: "u", Password: "p", TLS: ImplicitTLS, Auth: "CRAM-MD5"},
	}
	for in, want := range ok {
		want.URL = in
		got, err := ParseSMTPURL(in)
		if err != nil || got != want {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{
		"mail.example.com:587", "http://u:secret@mail.example.com", "smtp://u:secret@", "smtp://u:secret@host:0",
		"smtp://u:secret@host:99999", "smtp://u:secret@host/path", "smtp://:secret@host", "smtp://u:secret@host?tls=yes",
		"smtps://u:secret@host?tls=none", "smtps://u:secret@host?starttls=optional", "smtp://u:secret@host?auth=xoauth",
		"smtp://u:secret@host?tls=none&starttls=required", "smtp://u:sec%zzret@host", "smtp://u:secret@host?token=secret",
	} {
		_, err := ParseSMTPURL(in)
		if err == nil {
			t.Errorf("ParseSMTPURL(%q) accepted it", in)
		} else if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "sec%zz") {
			t.Errorf("ParseSMTPURL(%q): error shows the password: %v", in, err)
		}
	}
}

func TestSMSHeaders(t *testing.T) {
	for _, in := range []string{"", "  "} {
		if h, err := ParseHeaders(in); err != nil || h != nil {
			t.Errorf("ParseHeaders(%q) = %v, %v; want nothing", in, h, err)
		}
	}
	for _, in := range []string{"secretvalue", "X-Api-Key=secretvalue,secretvalue", "X Api=secretvalue", "X-Api-Key=",
		"X-Api-Key=secret\nvalue", "X-Api-Key=a,x-api-key=secretvalue", "=secretvalue"} {
		_, err := ParseHeaders(in)
		if err == nil {
			t.Errorf("ParseHeaders(%q) accepted it", in)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseHeaders(%q): error shows a value: %v", in, err)
		}
	}
}

func TestNotificationErrorsKeepSecrets(t *testing.T) {
	_, err := Load("serve", nil, env(map[string]string{
		"DOORSTEP_SMTP_URL":       "smtp://u:topsecret@mail.example.com?starttls=maybe",
		"DOORSTEP_MAIL_FROM":      "not an address",
		"DOORSTEP_SMS_URL":        "ftp://u:topsecret@sms.example.com/send?key=topsecret",
		"DOORSTEP_SMS_HEADERS":    "X-Api-Key=topsecret,Bearer topsecret",
		"DOORSTEP_NOTIFY_TIMEOUT": "-1s",
	}), io.Discard)
	if err == nil {
		t.Fatal("bad values accepted")
	}
	for _, want := range []string{"DOORSTEP_SMTP_URL", "DOORSTEP_MAIL_FROM", "DOORSTEP_SMS_URL", "DOORSTEP_SMS_HEADERS", "DOORSTEP_NOTIFY_TIMEOUT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "topsecret") {
		t.Errorf("error shows a secret: %v", err)
	}
}

func TestPublicURL(t *testing.T) {
	c, err := Load("serve", []string{"--public-url", "https://doorstep.example.in/"}, env(nil), io.Discard)
	if err != nil || c.PublicURL != "https://doorstep.example.in" {
		t.Errorf("PublicURL = %q, %v", c.PublicURL, err)
	}
	for _, bad := range []string{"doorstep.example.in", "ftp://x.in", "https://user:secret@x.in", "http://%zz"} {
		_, err := Load("serve", nil, env(map[string]string{"DOORSTEP_PUBLIC_URL": bad}), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "DOORSTEP_PUBLIC_URL") || strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if got := redact("postgres://u:p%zz@h/db"); strings.Contains(got, "p%zz") {
		t.Errorf("redact shows a password: %q", got)
	}
}

func TestOTPSetting(t *testing.T) {
	for value, want := range map[string]bool{"required": true, "off": false} {
		c, err := Load("serve", nil, env(map[string]string{"DOORSTEP_OTP": value}), io.Discard)
		if err != nil || c.OTPRequired != want {
			t.Errorf("DOORSTEP_OTP=%s: %v, %v", value, c.OTPRequired, err)
		}
	}
	if _, err := Load("serve", []string{"--otp", "maybe"}, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), "--otp") {
		t.Errorf("bad value: %v", err)
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := Load("serve", nil, env(map[string]string{"DOORSTEP_TRUSTED_PROXIES": " 10.0.0.0/8, 192.168.1.7 ,fd00::/8"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(c.TrustedProxies); got != "[10.0.0.0/8 192.168.1.7/32 fd00::/8]" {
		t.Errorf("TrustedProxies = %s", got)
	}
	if _, err := Load("serve", []string{"--trusted-proxies", "10.0.0.0/8,lb.internal"}, env(nil), io.Discard); err == nil ||
		!strings.Contains(err.Error(), "lb.internal") {
		t.Errorf("bad value: %v", err)
	}
}
