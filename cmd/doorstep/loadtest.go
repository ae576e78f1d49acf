package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/doorstep-post/doorstep/internal/loadtest"
)

const loadtestUsage = `Usage: doorstep loadtest --url URL [flags]

Puts load on a running Doorstep server through its JSON API, then checks that nothing was
lost. --concurrency workers each send one request at a time, in a closed loop, for --duration;
--mix says how often each operation is chosen:

  submit        POST /api/v1/requests with realistic, valid data: real pincodes, English and
                Devanagari names, random mobiles, an active service, an Idempotency-Key
  track         GET /api/v1/requests/{reference} of a request this run created
  track_mobile  GET /api/v1/requests?mobile= of a mobile this run used

A mix without submit first creates 50 requests to track (not measured). Progress is written
to stderr once a second; the results table to stdout. Afterwards every request answered 201 is
fetched by its reference; any that cannot be tracked is reported as LOST.

Every submit creates a real request in the server's database: point it only at a test server,
started with DOORSTEP_OTP=off (the tool cannot read the one-time codes sent by SMS).

Flags:
`

const loadtestExit = `
Exit status:
  0  every created request was verified, and there were no 5xx answers, network errors,
     timeouts or wrong answers (undecodable body, another Division than the pincode's);
     4xx answers are reported but do not fail the run
  1  otherwise: requests were lost, such errors happened, the server could not be reached,
     or the run was interrupted
  2  bad flags

Example:
  doorstep loadtest --url http://127.0.0.1:8080 --duration 30s --concurrency 32 \
    --mix submit=20,track=80 --json report.json
`

// runLoadtest is the loadtest command; it needs no server configuration.
func runLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("doorstep loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "base `URL` of the Doorstep server to test, like http://127.0.0.1:8080 (required)")
	duration := fs.Duration("duration", 30*time.Second, "how long to put load on the server")
	concurrency := fs.Int("concurrency", 32, "number of workers, each with one request in flight")
	mix := fs.String("mix", "submit=20,track=80", "how often each operation is chosen, as `op=weight,...` with op submit, track or track_mobile")
	jsonFile := fs.String("json", "", "also write the report as JSON to `FILE`")
	seed := fs.Int64("seed", 0, "seed for the generated data and the choice of operations; 0 picks one (printed in the report).\nThe same seed gives the same mobiles: rerun against the same database within 24 hours, it gets duplicates")
	timeout := fs.Duration("timeout", 10*time.Second, "time limit of each HTTP request, to the last byte of the answer")
	fs.Usage = func() {
		fmt.Fprint(stderr, loadtestUsage)
		fs.PrintDefaults()
		fmt.Fprint(stderr, loadtestExit)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "doorstep loadtest: unexpected argument %q (see doorstep loadtest --help)\n", fs.Arg(0))
		return 2
	}
	m, err := loadtest.ParseMix(*mix)
	if err != nil {
		fmt.Fprintf(stderr, "doorstep loadtest: --mix: %v\n", err)
		return 2
	}
	opts := loadtest.Options{URL: *url, Duration: *duration, Concurrency: *concurrency, Mix: m, Seed: *seed, Timeout: *timeout}
	if err := opts.Validate(); err != nil {
		fmt.Fprintf(stderr, "doorstep loadtest: %v\n", err)
		return 2
	}

	report, err := loadtest.Run(ctx, opts, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "doorstep loadtest: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout)
	report.WriteTable(stdout)
	code := 0
	if report.Failed() {
		code = 1
	}
	if *jsonFile != "" {
		b, err := json.MarshalIndent(report, "", "  ")
		if err == nil {
			err = os.WriteFile(*jsonFile, append(b, '\n'), 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "doorstep loadtest: writing the JSON report: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "report written to %s\n", *jsonFile)
	}
	return code
}
