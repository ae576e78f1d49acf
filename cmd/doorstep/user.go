package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/config"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
)

// firstAdminCommand makes the first account of a fresh install; serve and user list show it.
const firstAdminCommand = "doorstep user add --username admin --role admin --password-stdin"

const userUsage = `Usage:
  doorstep user add --username NAME --role ROLE [--unit UNIT] [--password-stdin]
  doorstep user list
  doorstep user disable USERNAME
  doorstep user enable USERNAME
  doorstep user passwd USERNAME [--password-stdin]

Staff accounts, on the database DOORSTEP_DATABASE_URL names, or --database-url URL (as for
serve); its migrations are applied first, so this works on a fresh install.

  add      makes an account. ROLE is division, region or circle, with --unit naming the
           Division, Region or Circle as the postal directory spells it (any case), e.g.
           --unit "New Delhi GPO Division"; or admin (the national office: accounts and the
           service catalogue), without a unit. An unknown unit is refused with the closest
           names suggested.
  list     shows every account: username, role, unit, disabled, locked until, created.
  disable  stops an account from logging in; its sessions and API tokens end at once.
  enable   lets a disabled account log in again.
  passwd   gives an account a new password, unlocks it and ends its sessions and tokens.

A password is at least 10 characters and does not contain the username. With
--password-stdin it is read as one line from standard input; without it, it is asked for
twice on the terminal, not shown as typed. Usernames are 3 to 64 of a-z, 0-9, '.', '-', '_'.

Every change is written to the audit log, by "system".

Exit status: 0 done; 1 refused (with a message per field) or failed; 2 bad usage.

Examples:
  printf '%s\n' "$ADMIN_PASSWORD" | ` + firstAdminCommand + `
  doorstep user add --username ndl.gpo --role division --unit "New Delhi GPO Division"
  doorstep user passwd ndl.gpo
`

// errNoTerminal: no password was piped in and there is no terminal to ask on.
var errNoTerminal = errors.New("standard input is not a terminal, so the password cannot be asked for: give it as one line on standard input and add --password-stdin")

// runUser is the user command: staff accounts from the command line, through the desk with
// desk.System as the actor, so that the same rules and audit apply as on the admin pages.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		io.WriteString(stderr, userUsage)
		return 2
	}
	sub := args[0]
	fs := flag.NewFlagSet("doorstep user "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { io.WriteString(fs.Output(), userUsage) }
	databaseURL := fs.String("database-url", "", "the database, as DOORSTEP_DATABASE_URL (which it overrides)")
	var n desk.NewAccount
	var passwordStdin bool
	wantArgs := 1
	switch sub {
	case "-h", "-help", "--help", "help":
		fs.SetOutput(stdout)
		fs.Usage()
		return 0
	case "add":
		fs.StringVar(&n.Username, "username", "", "the new account's username")
		fs.StringVar(&n.Role, "role", "", "division, region, circle or admin")
		fs.StringVar(&n.Unit, "unit", "", "the Division, Region or Circle of the account (not for admin)")
		fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password as one line from standard input")
		wantArgs = 0
	case "passwd":
		fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password as one line from standard input")
	case "list":
		wantArgs = 0
	case "disable", "enable":
	default:
		fmt.Fprintf(stderr, "doorstep user: unknown command %q\n\n", sub)
		fs.Usage()
		return 2
	}
	positional, err := parseInterspersed(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2 // the flag package has said what is wrong
	}
	if len(positional) != wantArgs {
		if wantArgs == 0 {
			fmt.Fprintf(stderr, "doorstep user %s: unexpected argument %q; see doorstep user --help\n", sub, positional[0])
		} else {
			fmt.Fprintf(stderr, "doorstep user %s: give one USERNAME; see doorstep user --help\n", sub)
		}
		return 2
	}

	cfg, err := commandConfig("user", *databaseURL, getenv, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "doorstep: bad configuration:\n%v\n", err)
		return 2
	}

	log := newLogger(cfg, stderr)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "doorstep user %s: %v\n", sub, err)
		return 1
	}
	defer st.Close()
	dir, err := postal.Load()
	if err != nil {
		fmt.Fprintf(stderr, "doorstep user %s: %v\n", sub, err)
		return 1
	}
	d := desk.New(st, dir, catalogue.New(st))

	var password string
	if sub == "add" || sub == "passwd" {
		username := n.Username
		if sub == "passwd" {
			username = positional[0]
			// Say so before anyone types a new password for nobody.
			if _, err := d.Account(ctx, desk.System, username); err != nil {
				reportUserError(stderr, sub, positional, err)
				return 1
			}
		}
		if password, err = readPassword(stdin, stderr, passwordStdin, username); err != nil {
			fmt.Fprintf(stderr, "doorstep user %s: %v\n", sub, err)
			return 1
		}
	}

	switch sub {
	case "add":
		n.Password = password
		var a staff.Account
		if a, err = d.CreateAccount(ctx, desk.System, n); err == nil {
			fmt.Fprintf(stdout, "Created %q: %s.\n", a.Username, a.Describe())
		}
	case "list":
		var accounts []staff.Account
		if accounts, err = d.Accounts(ctx, desk.System); err == nil {
			writeAccounts(stdout, accounts, time.Now())
		}
	case "disable", "enable":
		if err = d.SetDisabled(ctx, desk.System, positional[0], sub == "disable"); err == nil {
			if sub == "disable" {
				fmt.Fprintf(stdout, "Disabled %q: it can no longer log in, and its sessions and API tokens have ended.\n", staff.NormalizeUsername(positional[0]))
			} else {
				fmt.Fprintf(stdout, "Enabled %q: it can log in again.\n", staff.NormalizeUsername(positional[0]))
			}
		}
	case "passwd":
		if err = d.ResetPassword(ctx, desk.System, positional[0], password); err == nil {
			fmt.Fprintf(stdout, "New password set for %q: it is unlocked, and its sessions and API tokens have ended.\n", staff.NormalizeUsername(positional[0]))
		}
	}
	if err != nil {
		reportUserError(stderr, sub, positional, err)
		return 1
	}
	return 0
}

// commandFlags are the flags of a command that works on the database, with its usage text
// (the flags' defaults follow it) and its --database-url.
func commandFlags(name, usage string, stderr io.Writer) (fs *flag.FlagSet, databaseURL *string) {
	fs = flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		io.WriteString(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs, fs.String("database-url", "", "the database, as DOORSTEP_DATABASE_URL (which it overrides)")
}

// commandConfig is the configuration of a command that works on the database (user,
// demo-data, dashboard): the settings' variables, with --database-url, if given, instead of
// DOORSTEP_DATABASE_URL.
func commandConfig(command, databaseURL string, getenv func(string) string, stderr io.Writer) (config.Config, error) {
	cfg, err := config.Load(command, nil, getenv, stderr)
	if err == nil && databaseURL != "" {
		if cfg.Database, err = config.ParseDatabaseURL(databaseURL); err != nil {
			err = fmt.Errorf("--database-url: %w", err)
		}
	}
	return cfg, err
}

// parseInterspersed parses flags wherever they stand among the arguments, as people type
// them ("disable ravi --database-url ..."), and returns the other arguments in order.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// readPassword gets a new password: one line of stdin with --password-stdin, or typed twice
// on the terminal without echo.
func readPassword(stdin io.Reader, prompts io.Writer, fromStdin bool, username string) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		password := strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if password == "" {
			return "", errors.New("no password on standard input; give it as one line")
		}
		return password, nil
	}
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errNoTerminal
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(prompts, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompts)
		return string(b), err
	}
	first, err := ask(fmt.Sprintf("New password for %s: ", staff.NormalizeUsername(username)))
	if err != nil {
		return "", err
	}
	again, err := ask("The same password again: ")
	if err != nil {
		return "", err
	}
	if first != again {
		return "", errors.New("the two passwords differ; nothing was changed")
	}
	return first, nil
}

// reportUserError says why a user command was refused: a line per wrong field, named as the
// flag that gave it.
func reportUserError(w io.Writer, sub string, positional []string, err error) {
	var invalid *request.ValidationError
	switch {
	case errors.As(err, &invalid):
		fmt.Fprintf(w, "doorstep user %s: refused; nothing was changed:\n", sub)
		order := []string{staff.FieldUsername, staff.FieldRole, staff.FieldUnit, staff.FieldPassword}
		fields := make([]string, 0, len(invalid.Fields))
		for f := range invalid.Fields {
			fields = append(fields, f)
		}
		rank := func(f string) int {
			if i := slices.Index(order, f); i >= 0 {
				return i
			}
			return len(order)
		}
		slices.SortFunc(fields, func(a, b string) int { return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a, b)) })
		for _, f := range fields {
			name := f
			if sub == "add" && f != staff.FieldPassword {
				name = "--" + f
			}
			fmt.Fprintf(w, "  %s: %s\n", name, invalid.Fields[f])
		}
	case errors.Is(err, desk.ErrNoAccount):
		fmt.Fprintf(w, "doorstep user %s: there is no account %q; doorstep user list shows them\n", sub, staff.NormalizeUsername(positional[0]))
	default:
		fmt.Fprintf(w, "doorstep user %s: %v\n", sub, err)
	}
}

// writeAccounts prints the accounts as a table, times in IST.
func writeAccounts(w io.Writer, accounts []staff.Account, now time.Time) {
	if len(accounts) == 0 {
		fmt.Fprintf(w, "No staff accounts yet. Create the first admin with:\n  %s\n", firstAdminCommand)
		return
	}
	const layout = "2006-01-02 15:04 MST"
	rows := [][]string{{"USERNAME", "ROLE", "UNIT", "DISABLED", "LOCKED UNTIL", "CREATED"}}
	for _, a := range accounts {
		unit, disabled, locked := a.Unit, "no", "-"
		if unit == "" {
			unit = "-"
		}
		if a.Disabled {
			disabled = "yes"
		}
		if a.Locked(now) {
			locked = a.LockedUntil.In(request.IST).Format(layout)
		}
		rows = append(rows, []string{a.Username, string(a.Role), unit, disabled, locked, a.CreatedAt.In(request.IST).Format(layout)})
	}
	writeTable(w, rows)
}

// writeTable prints rows in columns, two spaces apart.
func writeTable(w io.Writer, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
}
