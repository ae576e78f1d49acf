package loadtest

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is what a run measured and found. It marshals to the JSON that --json writes.
type Report struct {
	URL             string  `json:"url"`
	DurationSeconds float64 `json:"duration_seconds"` // of the load, as measured
	Concurrency     int     `json:"concurrency"`
	Mix             string  `json:"mix"`
	Seed            int64   `json:"seed"` // the seed used; give it as --seed to generate the same data

	// Operations has an entry per operation in the mix (and for submit when it stood in for
	// a track with nothing to track yet). Latencies are of successful calls.
	Operations map[string]OpReport `json:"operations"`
	Total      OpReport            `json:"total"`
	// Errors counts failed calls by kind: "http 500", "timeout", "connection refused",
	// "bad body", "division mismatch"...
	Errors map[string]int64 `json:"errors"`
	// Duplicates are submissions answered 200 with duplicate:true (counted ok, not errors).
	Duplicates int64 `json:"duplicates"`
	// Warmup requests were created before the load, unmeasured, for a mix without submit.
	Warmup int `json:"warmup"`

	Submitted   int               `json:"submitted"` // answered 201, warm-up included
	Verified    int               `json:"verified"`  // of those, tracked as created afterwards
	Lost        []string          `json:"lost"`      // references that could not be tracked
	LostReasons map[string]string `json:"lost_reasons,omitempty"`
	Interrupted bool              `json:"interrupted,omitempty"` // stopped early; not verified
}

// OpReport is one operation's figures; latencies in milliseconds.
type OpReport struct {
	Requests int64   `json:"requests"`
	OK       int64   `json:"ok"`
	RPS      float64 `json:"rps"`
	P50      float64 `json:"p50_ms"`
	P95      float64 `json:"p95_ms"`
	P99      float64 `json:"p99_ms"`
	Max      float64 `json:"max_ms"`
}

func (r *runner) report(opts Options, seed int64, elapsed time.Duration, workers []*worker) *Report {
	rep := &Report{
		URL: r.base, DurationSeconds: round(elapsed.Seconds(), 3), Concurrency: opts.Concurrency,
		Mix: opts.Mix.String(), Seed: seed,
		Operations: map[string]OpReport{}, Errors: map[string]int64{},
		Lost: []string{}, LostReasons: map[string]string{},
	}
	var total opStats
	for i, op := range Ops {
		var st opStats
		for _, w := range workers {
			ws := &w.ops[i]
			st.requests += ws.requests
			st.ok += ws.ok
			st.duplicates += ws.duplicates
			st.latency.merge(&ws.latency)
		}
		if st.requests > 0 || opts.Mix.has(op) {
			rep.Operations[string(op)] = st.report(elapsed)
		}
		rep.Duplicates += st.duplicates
		total.requests += st.requests
		total.ok += st.ok
		total.latency.merge(&st.latency)
	}
	rep.Total = total.report(elapsed)
	for _, w := range workers {
		for kind, n := range w.errors {
			rep.Errors[kind] += n
		}
	}
	rep.Submitted = len(r.created.all())
	return rep
}

func (st *opStats) report(elapsed time.Duration) OpReport {
	ms := func(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 3) }
	return OpReport{
		Requests: st.requests, OK: st.ok, RPS: round(float64(st.requests)/elapsed.Seconds(), 1),
		P50: ms(st.latency.quantile(0.50)), P95: ms(st.latency.quantile(0.95)),
		P99: ms(st.latency.quantile(0.99)), Max: ms(st.latency.quantile(1)),
	}
}

func round(x float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(x*p) / p
}

// Serious says whether an error of this kind fails the run: a 5xx, no (complete) answer, or
// a wrong answer. 4xx answers are reported but do not fail it.
func Serious(kind string) bool {
	var status int
	if _, err := fmt.Sscanf(kind, "http %d", &status); err == nil {
		return status >= 500
	}
	return true
}

// Failures lists why the run failed, empty if it passed: it fails when a created request was
// lost, on any Serious error, and when it was interrupted before verifying.
func (r *Report) Failures() []string {
	var out []string
	if r.Interrupted {
		out = append(out, "interrupted before verifying")
	}
	if len(r.Lost) > 0 {
		out = append(out, fmt.Sprintf("%d lost", len(r.Lost)))
	}
	for _, kind := range slices.Sorted(maps.Keys(r.Errors)) {
		if Serious(kind) && r.Errors[kind] > 0 {
			out = append(out, fmt.Sprintf("%s: %d", kind, r.Errors[kind]))
		}
	}
	return out
}

// Failed reports whether the run failed; see Failures.
func (r *Report) Failed() bool { return len(r.Failures()) > 0 }

// WriteTable writes the report for a person to read.
func (r *Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "%s: %d workers for %.1fs, mix %s, seed %d\n\n", r.URL, r.Concurrency, r.DurationSeconds, r.Mix, r.Seed)
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "operation\trequests\tok\treq/s\tp50\tp95\tp99\tmax")
	row := func(name string, o OpReport) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%s\t%s\t%s\t%s\n", name, o.Requests, o.OK, o.RPS,
			fmtMs(o.P50, o.OK), fmtMs(o.P95, o.OK), fmtMs(o.P99, o.OK), fmtMs(o.Max, o.OK))
	}
	shown := 0
	for _, op := range Ops {
		if o, ok := r.Operations[string(op)]; ok {
			row(string(op), o)
			shown++
		}
	}
	if shown > 1 {
		row("all", r.Total)
	}
	tw.Flush()
	fmt.Fprintln(w, "(latencies of successful calls, from sending to the last byte of the answer)")
	fmt.Fprintln(w)

	if len(r.Errors) == 0 {
		fmt.Fprintln(w, "errors: none")
	} else {
		kinds := slices.Sorted(maps.Keys(r.Errors))
		parts := make([]string, len(kinds))
		for i, k := range kinds {
			parts[i] = fmt.Sprintf("%s: %d", k, r.Errors[k])
		}
		fmt.Fprintf(w, "errors: %s\n", strings.Join(parts, ", "))
	}
	if r.Duplicates > 0 {
		fmt.Fprintf(w, "duplicates: %d (answered 200 duplicate:true; counted ok, not as errors)\n", r.Duplicates)
	}
	if r.Warmup > 0 {
		fmt.Fprintf(w, "warm-up: %d requests created before the load to have something to track\n", r.Warmup)
	}
	switch {
	case r.Interrupted:
		fmt.Fprintf(w, "interrupted: %d submissions were not verified\n", r.Submitted)
	case len(r.Lost) == 0:
		fmt.Fprintf(w, "verified %d of %d submissions: none lost\n", r.Verified, r.Submitted)
	default:
		fmt.Fprintf(w, "verified %d of %d submissions: %d LOST\n", r.Verified, r.Submitted, len(r.Lost))
		for _, ref := range r.Lost {
			fmt.Fprintf(w, "  LOST %s: %s\n", ref, r.LostReasons[ref])
		}
	}
	if f := r.Failures(); len(f) > 0 {
		fmt.Fprintf(w, "result: FAIL (%s)\n", strings.Join(f, "; "))
	} else {
		fmt.Fprintln(w, "result: PASS")
	}
}

// fmtMs writes a latency the way people read them: 0.42ms, 12.1ms, 120ms, 1.52s.
func fmtMs(ms float64, n int64) string {
	switch {
	case n == 0:
		return "-"
	case ms < 1:
		return fmt.Sprintf("%.2fms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1fms", ms)
	case ms < 1000:
		return fmt.Sprintf("%.0fms", ms)
	}
	return fmt.Sprintf("%.2fs", ms/1000)
}
