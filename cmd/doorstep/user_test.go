package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/config"
	"github.com/doorstep-post/doorstep/internal/demo"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// cli runs doorstep commands as an operator would, on one database.
type cli struct {
	t   *testing.T
	env map[string]string
}

// run runs doorstep with args, stdin as standard input; it returns the exit code, stdout and
// stderr.
func (c cli) run(stdin string, args ...string) (int, string, string) {
	c.t.Helper()
	var stdout, stderr strings.Builder
	code := run(context.Background(), args, env(c.env), strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// must runs a command that should succeed.
func (c cli) must(stdin string, args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(stdin, args...)
	if code != 0 {
		c.t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
	}
	return out
}

// openDatabase opens the database a command used, as the server would.
func openDatabase(t *testing.T, databaseURL string) store.Store {
	t.Helper()
	db, err := config.ParseDatabaseURL(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(context.Background(), config.Config{Database: db}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestUserCommands(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) { testUserCommands(t, "sqlite:"+filepath.Join(t.TempDir(), "doorstep.db")) })
	t.Run("postgres", func(t *testing.T) { testUserCommands(t, testenv.PostgresURL(t)) })
}

func testUserCommands(t *testing.T, databaseURL string) {
	ctx := context.Background()
	c := cli{t: t, env: map[string]string{"DOORSTEP_DATABASE_URL": databaseURL}}

	// A fresh database: the list says how to make the first admin.
	if out := c.must("", "user", "list"); !strings.Contains(out, firstAdminCommand) {
		t.Errorf("list of no accounts: %q", out)
	}
	c.must("correct horse battery staple\n", strings.Fields(firstAdminCommand)[1:]...)

	// Wrong fields are refused together, each named by its flag; an unknown unit gets the
	// closest names.
	code, _, errs := c.run("short\n", "user", "add", "--username", "Ravi K", "--role", "division", "--unit", "new delhi gpo", "--password-stdin")
	for _, want := range []string{"--username: ", `--unit: There is no Division named "new delhi gpo"`, "Did you mean: New Delhi GPO Division", "password: A password is at least 10"} {
		if code != 1 || !strings.Contains(errs, want) {
			t.Errorf("bad account: exit %d, want 1 and %q in:\n%s", code, want, errs)
		}
	}
	code, _, errs = c.run("a long password\n", "user", "add", "--username", "r.k", "--role", "boss", "--password-stdin")
	if code != 1 || !strings.Contains(errs, "--role: Choose a role") {
		t.Errorf("bad role: exit %d\n%s", code, errs)
	}
	// Without --password-stdin and without a terminal, nothing to ask the password on.
	code, _, errs = c.run("a long password\n", "user", "add", "--username", "r.k", "--role", "admin")
	if code != 1 || !strings.Contains(errs, "--password-stdin") {
		t.Errorf("password without a terminal: exit %d\n%s", code, errs)
	}

	out := c.must("ravi's long password\r\n", "user", "add", "--username", "Ndl.GPO", "--role", "division", "--unit", "new delhi  gpo division", "--password-stdin")
	if !strings.Contains(out, `"ndl.gpo"`) || !strings.Contains(out, "New Delhi GPO Division") {
		t.Errorf("add: %q", out)
	}
	code, _, errs = c.run("ravi's long password\n", "user", "add", "--username", "ndl.gpo", "--role", "admin", "--password-stdin")
	if code != 1 || !strings.Contains(errs, "--username: The username \"ndl.gpo\" is taken.") {
		t.Errorf("a taken username: exit %d\n%s", code, errs)
	}

	st := openDatabase(t, databaseURL)
	d := desk.New(st, testenv.Directory(t), catalogue.New(st))
	login := func(password string) error {
		_, err := d.Login(ctx, "ndl.gpo", password, "127.0.0.1")
		return err
	}
	if err := login("ravi's long password"); err != nil {
		t.Fatalf("login after add: %v", err)
	}

	// Disable (flags may follow the username), then enable.
	code, out, errs = cli{t: t}.run("", "user", "disable", "ndl.gpo", "--database-url", databaseURL)
	if code != 0 || !strings.Contains(out, "Disabled") {
		t.Fatalf("disable: exit %d %s%s", code, out, errs)
	}
	if err := login("ravi's long password"); !errors.Is(err, staff.ErrDisabled) {
		t.Errorf("login of a disabled account: %v", err)
	}
	if row := accountRow(t, c.must("", "user", "list"), "ndl.gpo"); !regexp.MustCompile(`division\s+New Delhi GPO Division\s+yes\s+-\s+\d{4}-\d\d-\d\d \d\d:\d\d IST`).MatchString(row) {
		t.Errorf("list, disabled: %q", row)
	}
	c.must("", "user", "enable", "ndl.gpo")
	if err := login("ravi's long password"); err != nil {
		t.Errorf("login after enable: %v", err)
	}

	// Five wrong passwords lock the account; passwd unlocks it and the new password works.
	for range staff.MaxFailedLogins {
		_ = login("not the password")
	}
	if row := accountRow(t, c.must("", "user", "list"), "ndl.gpo"); !strings.Contains(row, "no") || !regexp.MustCompile(`\d\d:\d\d IST\s+\d{4}`).MatchString(row) {
		t.Errorf("list, locked: %q", row)
	}
	code, _, errs = c.run("ndl.gpo-secret\n", "user", "passwd", "ndl.gpo", "--password-stdin")
	if code != 1 || !strings.Contains(errs, "password: A password must not contain the username") {
		t.Errorf("passwd with the username in it: exit %d\n%s", code, errs)
	}
	c.must("a brand new passphrase\n", "user", "passwd", "--password-stdin", "ndl.gpo")
	if err := login("a brand new passphrase"); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
	if err := login("ravi's long password"); !errors.Is(err, staff.ErrBadLogin) {
		t.Errorf("login with the old password: %v", err)
	}

	// An unknown account is said to be so before any password is asked for.
	for _, sub := range []string{"disable", "enable", "passwd"} {
		code, _, errs = c.run("", "user", sub, "Nobody")
		if code != 1 || !strings.Contains(errs, `no account "nobody"`) {
			t.Errorf("%s an unknown account: exit %d\n%s", sub, code, errs)
		}
	}

	// Every change is in the audit log, by system.
	entries, err := st.AuditLog(ctx, audit.Query{Actor: desk.System.Account.Username, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append([]string{e.Action + " " + e.Target}, actions...)
	}
	want := "account_create admin,account_create ndl.gpo,account_disable ndl.gpo,account_enable ndl.gpo,password_reset ndl.gpo"
	if got := strings.Join(actions, ","); got != want {
		t.Errorf("audit by system:\n%s\nwant\n%s", got, want)
	}
}

// accountRow is the line of a username in the output of user list.
func accountRow(t *testing.T, list, username string) string {
	t.Helper()
	for _, line := range strings.Split(list, "\n") {
		if strings.HasPrefix(line, username+" ") {
			return line
		}
	}
	t.Fatalf("%s is not listed:\n%s", username, list)
	return ""
}

func TestUserUsage(t *testing.T) {
	c := cli{t: t, env: map[string]string{"DOORSTEP_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "doorstep.db")}}
	code, out, _ := c.run("", "user", "--help")
	for _, want := range []string{"user add", "--username", "--role", "--unit", "--password-stdin", "user list", "user disable", "user enable", "user passwd", "DOORSTEP_DATABASE_URL"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("user --help: exit %d, lacks %q", code, want)
		}
	}
	if _, out, _ := c.run("", "help"); !strings.Contains(out, "doorstep user") || !strings.Contains(out, firstAdminCommand) {
		t.Errorf("doorstep help does not tell of user:\n%s", out)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"user"}, "Usage"},
		{[]string{"user", "rename"}, `unknown command "rename"`},
		{[]string{"user", "disable"}, "give one USERNAME"},
		{[]string{"user", "enable", "a", "b"}, "give one USERNAME"},
		{[]string{"user", "list", "all"}, `unexpected argument "all"`},
		{[]string{"user", "add", "--admin"}, "-admin"},
		{[]string{"user", "list", "--database-url", "mysql://x"}, "--database-url"},
	} {
		if code, _, errs := c.run("", tt.args...); code != 2 || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, want 2 and %q in:\n%s", tt.args, code, tt.want, errs)
		}
	}
}

// serveOnce starts serve, waits until it listens, stops it, and returns its log.
func serveOnce(t *testing.T, databaseURL string, opts serveOptions) string {
	t.Helper()
	cfg, err := config.Load("serve", nil, env(map[string]string{"DOORSTEP_DATABASE_URL": databaseURL, "DOORSTEP_ADDR": "127.0.0.1:0"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var logs testenv.Logs
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts.onListen = func(string) { cancel() }
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil)), opts) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v\n%s", err, logs.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not stop:\n%s", logs.String())
	}
	return logs.String()
}

func TestServeSaysHowToMakeTheFirstAdmin(t *testing.T) {
	t.Parallel()
	databaseURL := "sqlite:" + filepath.Join(t.TempDir(), "doorstep.db")
	logs := serveOnce(t, databaseURL, serveOptions{})
	if n := strings.Count(logs, firstAdminCommand); n != 1 {
		t.Errorf("the first admin's command is in the log %d times, want once:\n%s", n, logs)
	}
	cli{t: t, env: map[string]string{"DOORSTEP_DATABASE_URL": databaseURL}}.must("correct horse battery staple\n", strings.Fields(firstAdminCommand)[1:]...)
	if logs := serveOnce(t, databaseURL, serveOptions{}); strings.Contains(logs, firstAdminCommand) {
		t.Errorf("with an admin, the log still says to make one:\n%s", logs)
	}
}

func TestServeDemo(t *testing.T) {
	t.Parallel()
	databaseURL := "sqlite:" + filepath.Join(t.TempDir(), "doorstep.db")
	var stdout strings.Builder
	logs := serveOnce(t, databaseURL, serveOptions{demo: true, stdout: &stdout})

	// Each account's password is shown once, in the box on stdout, and never logged.
	st := openDatabase(t, databaseURL)
	d := desk.New(st, testenv.Directory(t), catalogue.New(st))
	accounts := regexp.MustCompile(`(?m)^\| (\S+)\s+(division|region|circle|admin)\s.*\s([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})\s+\|$`).FindAllStringSubmatch(stdout.String(), -1)
	if len(accounts) != 5 {
		t.Fatalf("%d accounts shown, want 5:\n%s", len(accounts), stdout.String())
	}
	for _, a := range accounts {
		if strings.Contains(logs, a[3]) {
			t.Errorf("the password of %s is in the log", a[1])
		}
		if _, err := d.Login(context.Background(), a[1], a[3], "127.0.0.1"); err != nil {
			t.Errorf("%s cannot log in with the password shown: %v", a[1], err)
		}
	}
	if !strings.Contains(stdout.String(), "http://localhost:8080/staff/login") || strings.Contains(logs, firstAdminCommand) ||
		!strings.Contains(logs, "demo data seeded") {
		t.Errorf("stdout:\n%s\nlog:\n%s", stdout.String(), logs)
	}
	page, err := d.List(context.Background(), desk.System, desk.Filter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	seeded := 0
	for _, n := range page.Counts {
		seeded += n
	}
	if seeded != demo.DefaultRequests {
		t.Errorf("%d requests seeded, want %d", seeded, demo.DefaultRequests)
	}

	// Again on the same database: nothing added, and the log says why.
	stdout.Reset()
	logs = serveOnce(t, databaseURL, serveOptions{demo: true, stdout: &stdout})
	if stdout.Len() != 0 || !strings.Contains(logs, "no demo data was added") {
		t.Errorf("second --demo: stdout %q\nlog:\n%s", stdout.String(), logs)
	}
	if accounts, _ := st.Accounts(context.Background()); len(accounts) != 5 {
		t.Errorf("%d accounts after a second --demo", len(accounts))
	}
}

func TestTakeDemoFlag(t *testing.T) {
	for _, tt := range []struct {
		args []string
		rest []string
		demo bool
	}{
		{nil, nil, false},
		{[]string{"--demo"}, nil, true},
		{[]string{"--addr", ":9090", "-demo", "--log-level", "debug"}, []string{"--addr", ":9090", "--log-level", "debug"}, true},
		{[]string{"--demo=true", "--demo=false"}, nil, false},
		{[]string{"--", "--demo"}, []string{"--", "--demo"}, false},
	} {
		rest, demo := takeDemoFlag(tt.args)
		if demo != tt.demo || strings.Join(rest, " ") != strings.Join(tt.rest, " ") {
			t.Errorf("%v: %v %v, want %v %v", tt.args, rest, demo, tt.rest, tt.demo)
		}
	}
}

// TestDemoRefusedWithRealGateways: demo requests carry made-up mobiles and e-mails, which a
// real gateway would message.
func TestDemoRefusedWithRealGateways(t *testing.T) {
	t.Parallel()
	for name, vars := range map[string]map[string]string{
		"sms":  {"DOORSTEP_SMS_URL": "https://sms.example.in/send"},
		"smtp": {"DOORSTEP_SMTP_URL": "smtp://mail.example.in:587"},
	} {
		t.Run(name, func(t *testing.T) {
			databaseURL := "sqlite:" + filepath.Join(t.TempDir(), "doorstep.db")
			vars["DOORSTEP_DATABASE_URL"] = databaseURL
			cfg, err := config.Load("serve", nil, env(vars), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			st := openDatabase(t, databaseURL)
			var stdout strings.Builder
			err = seedDemo(context.Background(), cfg, st, testenv.Directory(t), &stdout, slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), "real people") {
				t.Fatalf("seedDemo with a real gateway: %v", err)
			}
			if accounts, _ := st.Accounts(context.Background()); len(accounts) != 0 || stdout.Len() != 0 {
				t.Errorf("%d accounts made, stdout %q", len(accounts), stdout.String())
			}
		})
	}
}
