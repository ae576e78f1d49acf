package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/demo"
	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/store"
)

const demoDataUsage = `Usage:
  doorstep demo-data --requests N [--days 90] [--seed S] [--append] [--database-url URL]

Fills the database (DOORSTEP_DATABASE_URL, or --database-url, as for serve; migrations are
applied first) with N made-up requests of the last --days days (1 to 366), in all the
Divisions of India: more in big Divisions and in the eight metro cities, more on weekdays
and in working hours, in every status with the history staff would have left, completed in
hours to days. For demonstrations and benchmarks: 1,000,000 requests take a few minutes.

The dashboard's counters are written with the requests; doorstep dashboard verify checks
them. No account is made and no SMS or e-mail is sent to the made-up customers; to keep it
that way later, demo-data refuses to run while DOORSTEP_SMS_URL or DOORSTEP_SMTP_URL is set.

A database that has any request is refused, so that made-up requests are never mixed with
real ones by mistake; --append adds to one all the same (to make a bigger demo database).
The fill is recorded in the audit log, by "system".

Flags:
`

// runDemoData is the demo-data command.
func runDemoData(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs, databaseURL := commandFlags("doorstep demo-data", demoDataUsage, stderr)
	requests := fs.Int("requests", 0, "how many requests to make (required)")
	days := fs.Int("days", demo.DefaultDays, "the period the requests are spread over, ending now, in days (1 to 366)")
	seed := fs.Uint64("seed", 0, "makes the same requests again, but for their references (0: a new seed, printed)")
	appendTo := fs.Bool("append", false, "add to a database that already has requests")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "doorstep demo-data: unexpected argument %q; see doorstep demo-data --help\n", fs.Arg(0))
		return 2
	case *requests < 1:
		fmt.Fprintln(stderr, "doorstep demo-data: give --requests N, how many requests to make (at least 1)")
		return 2
	case *days < 1 || *days > demo.MaxDays:
		fmt.Fprintf(stderr, "doorstep demo-data: --days is 1 to %d, not %d\n", demo.MaxDays, *days)
		return 2
	}
	cfg, err := commandConfig("demo-data", *databaseURL, getenv, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "doorstep: bad configuration:\n%v\n", err)
		return 2
	}
	if cfg.SMSURL != "" || cfg.SMTP.URL != "" {
		fmt.Fprintln(stderr, "doorstep demo-data: refused: DOORSTEP_SMS_URL or DOORSTEP_SMTP_URL is set, so this looks like a system that messages real people, and what staff later do to made-up requests would text and mail whoever owns their mobiles and addresses. Run it without them.")
		return 1
	}
	log := newLogger(cfg, stderr)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "doorstep demo-data: %v\n", err)
		return 1
	}
	defer st.Close()
	dir, err := postal.Load()
	if err != nil {
		fmt.Fprintf(stderr, "doorstep demo-data: %v\n", err)
		return 1
	}

	fmt.Fprintf(stderr, "Making %s requests of the last %d days in %s...\n", thousands(*requests), *days, cfg.Database.Display())
	bar := newProgress(stderr, "requests", *requests)
	res, err := demo.Fill(ctx, st, dir, demo.FillOptions{Requests: *requests, Days: *days, Seed: *seed, Append: *appendTo, Progress: bar.update})
	if errors.Is(err, demo.ErrHasRequests) {
		fmt.Fprintf(stderr, "doorstep demo-data: refused: %s already has requests, and made-up ones must not be mixed with real ones by mistake; nothing was added. Use an empty database, or --append if this one is a demo database.\n", cfg.Database.Display())
		return 1
	}
	if err != nil {
		if res.Requests > 0 {
			bar.finish(res.Requests)
		}
		fmt.Fprintf(stderr, "doorstep demo-data: %v (%s requests were saved before, with their counters)\n", err, thousands(res.Requests))
		return 1
	}
	took := bar.finish(res.Requests)
	writeFillReport(stdout, res, took)
	return 0
}

// writeFillReport says what demo-data made.
func writeFillReport(w io.Writer, res demo.FillResult, took time.Duration) {
	fmt.Fprintf(w, "Made %s requests in %.1f s (%s requests/s), seed %d.\n", thousands(res.Requests), took.Seconds(),
		thousands(int(perSecond(res.Requests, took))), res.Seed)
	var parts []string
	for _, s := range store.AllStatuses {
		parts = append(parts, fmt.Sprintf("%s %s", s, thousands(res.ByStatus[s])))
	}
	fmt.Fprintf(w, "By status: %s.\n", strings.Join(parts, ", "))
	names := make([]string, 0, len(res.ByDivision))
	for d := range res.ByDivision {
		names = append(names, d)
	}
	slices.SortFunc(names, func(a, b string) int {
		if n := res.ByDivision[b] - res.ByDivision[a]; n != 0 {
			return n
		}
		return strings.Compare(a, b)
	})
	if len(names) > 0 {
		most, least := names[0], names[len(names)-1]
		fmt.Fprintf(w, "In %d Divisions: the most in %s (%s), the fewest in %s (%s).\n", len(names),
			most, thousands(res.ByDivision[most]), least, thousands(res.ByDivision[least]))
	}
	fmt.Fprintln(w, "The dashboard's counters were written with them; doorstep dashboard verify checks them.")
}
