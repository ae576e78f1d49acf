package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/doorstep-post/doorstep/internal/config"
	"github.com/doorstep-post/doorstep/internal/demo"
	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/store"
)

const demoFlagUsage = `
Flag of serve alone:
  --demo                 first fill an empty database with demo data, to try Doorstep out: staff
                         accounts for ` + demo.Circle + `, ` + demo.Region + ` and two of its Divisions
                         plus an admin (passwords printed once, to standard output), and a few
                         hundred made-up requests of the last 30 days. A database with any
                         account or request is left as it is.
`

// takeDemoFlag takes serve's --demo out of its arguments: the rest are settings, which
// config.Load reads.
func takeDemoFlag(args []string) (rest []string, demo bool) {
	for i, a := range args {
		switch a {
		case "-demo", "--demo", "-demo=true", "--demo=true":
			demo = true
		case "-demo=false", "--demo=false":
			demo = false
		case "--":
			return append(rest, args[i:]...), demo
		default:
			rest = append(rest, a)
		}
	}
	return rest, demo
}

// seedDemo fills an empty database with the demo and shows its accounts' passwords on stdout
// (never in the log, which is kept and shipped). A database in use is left alone, and serve
// goes on with what it has.
func seedDemo(ctx context.Context, cfg config.Config, st store.Store, dir *postal.Directory, stdout io.Writer, log *slog.Logger) error {
	// The demo's customers are made up, but their mobiles are ten digits that someone may
	// own: with a real gateway, a staff change to a demo request would text a stranger.
	if cfg.SMSURL != "" || cfg.SMTP.URL != "" {
		return errors.New("--demo makes up customers' mobile numbers and e-mail addresses; with DOORSTEP_SMS_URL or DOORSTEP_SMTP_URL set, messages about demo requests would reach real people. Run the demo without them (messages then go to the local outbox)")
	}
	log.Info("seeding demo data")
	res, err := demo.Seed(ctx, st, dir, demo.Options{})
	if errors.Is(err, demo.ErrNotEmpty) {
		log.Warn("--demo: the database already has staff accounts or requests, so no demo data was added; doorstep user passwd USERNAME sets a new password for an account",
			"database", cfg.Database.Display())
		return nil
	}
	if err != nil {
		return err
	}
	writeDemoAccounts(stdout, res, cfg.PublicURL+"/staff/login")
	log.Info("demo data seeded", "accounts", len(res.Accounts), "requests", res.Requests)
	return nil
}

// writeDemoAccounts shows the demo's accounts and passwords in a box that stands out from
// the log lines around it.
func writeDemoAccounts(w io.Writer, res demo.Result, loginURL string) {
	var table strings.Builder
	rows := [][]string{{"USERNAME", "ROLE", "UNIT", "PASSWORD"}}
	for _, a := range res.Accounts {
		unit := a.Unit
		if unit == "" {
			unit = "All India"
		}
		rows = append(rows, []string{a.Username, string(a.Role), unit, a.Password})
	}
	writeTable(&table, rows)
	lines := []string{
		fmt.Sprintf("Doorstep demo: %d made-up requests of the last 30 days in", res.Requests),
		strings.Join(demo.Divisions, " and ") + ".",
		"Staff log in at " + loginURL + " as:",
		"",
	}
	lines = append(lines, strings.Split(strings.TrimRight(table.String(), "\n"), "\n")...)
	lines = append(lines, "",
		"These passwords are shown only now; doorstep user passwd USERNAME sets a new one.",
		"The customers are made up: leave the SMS and e-mail gateways unset while trying",
		"it, so that what staff do goes to the outbox file, not to real numbers.")
	width := 0
	for _, l := range lines {
		width = max(width, utf8.RuneCountInString(l))
	}
	border := "+" + strings.Repeat("-", width+2) + "+"
	fmt.Fprintln(w, border)
	for _, l := range lines {
		fmt.Fprintf(w, "| %s%s |\n", l, strings.Repeat(" ", width-utf8.RuneCountInString(l)))
	}
	fmt.Fprintln(w, border)
}
