package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/doorstep-post/doorstep/internal/dashboard"
)

const dashboardUsage = `Usage:
  doorstep dashboard verify [--repair] [--database-url URL]

The dashboard's counters are kept in the transaction of every change. verify counts every
request again, compares each counter with the recount, and lists those that differ (unit,
day or hour of submission, service, counter, stored and recounted value). Run it after
restoring a backup, after an incident (a change made to the database by hand, a failed
migration), or when the dashboard's figures disagree with the desk.

The counters and the requests are read in one snapshot of the database, so verify may run
while Doorstep serves: a change made meanwhile does not show as a difference. With
--repair, counters that differ are rewritten from the requests, in one transaction that no
change can come between; the dashboard then shows the recount.

Exit status: 0 the counters equal the recount (or were repaired); 1 they differ, or it
failed; 2 bad usage.

Flags:
`

// maxDifferencesShown bounds the list: a lost table would otherwise print a line per counter.
const maxDifferencesShown = 50

// runDashboard is the dashboard command.
func runDashboard(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs, databaseURL := commandFlags("doorstep dashboard verify", dashboardUsage, stderr)
	repair := fs.Bool("repair", false, "rewrite the counters that differ from the recount")
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help") {
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
		fs.Usage()
		return 2
	}
	positional, err := parseInterspersed(fs, args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		return 2 // the flag package has said what is wrong
	case len(positional) > 0:
		fmt.Fprintf(stderr, "doorstep dashboard verify: unexpected argument %q; see doorstep dashboard --help\n", positional[0])
		return 2
	}
	cfg, err := commandConfig("dashboard", *databaseURL, getenv, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "doorstep: bad configuration:\n%v\n", err)
		return 2
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		fmt.Fprintf(stderr, "doorstep dashboard verify: %v\n", err)
		return 1
	}
	defer st.Close()

	diffs, err := verifyDashboard(ctx, st, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "doorstep dashboard verify: %v\n", err)
		return 1
	}
	if len(diffs) == 0 {
		return 0
	}
	if !*repair {
		fmt.Fprintln(stdout, "Run doorstep dashboard verify --repair to rewrite the counters from the requests.")
		return 1
	}
	if err := st.RepairDashboard(ctx); err != nil {
		fmt.Fprintf(stderr, "doorstep dashboard verify: repair: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "Repaired: the counters were rewritten from the requests.")
	return 0
}

// verifyDashboard compares the stored counters with a recount, reports on w and returns the
// differences.
func verifyDashboard(ctx context.Context, st migratingStore, w io.Writer) ([]dashboard.Difference, error) {
	stored, actual, err := st.CheckDashboard(ctx)
	if err != nil {
		return nil, err
	}
	var requests int64
	for _, r := range actual.Days() {
		if r.Unit == dashboard.India.Key() {
			requests += r.Received
		}
	}
	days, open := stored.Rows()
	diffs := dashboard.Compare(stored, actual)
	fmt.Fprintf(w, "Checked %s daily and %s open rows of counters against a recount of %s requests: ",
		thousands(days), thousands(open), thousands(int(requests)))
	if len(diffs) == 0 {
		fmt.Fprintln(w, "all equal.")
		return nil, nil
	}
	fmt.Fprintf(w, "%s counters differ.\n", thousands(len(diffs)))
	rows := [][]string{{"UNIT", "DAY OR HOUR", "SERVICE", "COUNTER", "STORED", "RECOUNTED"}}
	for _, d := range diffs[:min(len(diffs), maxDifferencesShown)] {
		rows = append(rows, []string{d.Unit, d.When, d.ServiceLabel(), d.Field, d.Stored, d.Actual})
	}
	writeTable(w, rows)
	if len(diffs) > maxDifferencesShown {
		fmt.Fprintf(w, "... and %s more.\n", thousands(len(diffs)-maxDifferencesShown))
	}
	return diffs, nil
}
