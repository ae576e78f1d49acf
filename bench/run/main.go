// Command run is Doorstep's one-command benchmark (see bench/README.md). For each backend it
// drives, with `doorstep loadtest`, first the baseline (bench/baseline: the same database work
// with nothing else) and then Doorstep itself, in a submission phase and a tracking phase, and
// prints Doorstep/baseline ratios of throughput and p99 latency, and Doorstep's peak RSS.
package main

import (
	"bufio"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
)

type opStats struct {
	Requests int     `json:"requests"`
	OK       int     `json:"ok"`
	RPS      float64 `json:"rps"`
	P50      float64 `json:"p50_ms"`
	P95      float64 `json:"p95_ms"`
	P99      float64 `json:"p99_ms"`
	Max      float64 `json:"max_ms"`
}

type report struct {
	Operations map[string]opStats `json:"operations"`
	Errors     map[string]int     `json:"errors"`
	Submitted  int                `json:"submitted"`
	Verified   int                `json:"verified"`
	Lost       []string           `json:"lost"`
}

type result struct {
	backend, server, phase string
	round                  int
	stats                  opStats
	errors                 int
	lost                   int
	peakRSSMiB             float64
	// drain is how long the server stayed busy after the phase (Doorstep sending the
	// phase's messages).
	drain time.Duration
}

func main() {
	duration := flag.Duration("duration", 20*time.Second, "length of each load phase")
	concurrency := flag.Int("concurrency", 32, "concurrent clients of the load tool")
	only := flag.String("only", "", "measure one backend only: sqlite or postgres")
	postgresURL := flag.String("postgres", os.Getenv("DOORSTEP_TEST_POSTGRES_URL"), "PostgreSQL server to use (empty: SQLite only); defaults to $DOORSTEP_TEST_POSTGRES_URL")
	rounds := flag.Int("rounds", 3, "times each server is measured; the ratios' medians decide")
	phases := flag.String("phases", "submission,tracking", "the phases to run, of submission and tracking (tracking alone first creates 50 requests to track)")
	flag.Parse()
	for _, p := range strings.Split(*phases, ",") {
		if p != "submission" && p != "tracking" {
			log.Fatalf("-phases: unknown phase %q (submission, tracking)", p)
		}
	}

	work, err := os.MkdirTemp("", "doorstep-bench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(work)
	doorstep, baseline := filepath.Join(work, "doorstep"), filepath.Join(work, "baseline")
	for bin, pkg := range map[string]string{doorstep: "./cmd/doorstep", baseline: "./bench/baseline"} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			log.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}

	backends := []string{"sqlite"}
	if *postgresURL != "" {
		backends = append(backends, "postgres")
	} else {
		log.Print("no PostgreSQL URL (-postgres or DOORSTEP_TEST_POSTGRES_URL): measuring SQLite only")
	}
	if *only != "" {
		backends = []string{*only}
	}
	// On a shared machine the speed drifts by tens of percent over minutes: rounds take
	// turns, baseline first in odd rounds and Doorstep first in even ones, so that a slow
	// spell does not fall on one server only.
	var results []result
	for _, backend := range backends {
		for round := 1; round <= *rounds; round++ {
			servers := []string{"baseline", "doorstep"}
			if round%2 == 0 {
				servers[0], servers[1] = servers[1], servers[0]
			}
			for _, server := range servers {
				dbURL, cleanup := database(backend, server, work, *postgresURL)
				for _, r := range measure(backend, server, dbURL, doorstep, baseline, work, *duration, *concurrency, *phases) {
					r.round = round
					results = append(results, r)
				}
				cleanup()
			}
		}
	}
	printResults(os.Stdout, results, *duration, *concurrency)
}

// database gives each server a fresh database: a new SQLite file, or a new PostgreSQL schema.
func database(backend, server, work, postgresURL string) (string, func()) {
	if backend == "sqlite" {
		path := filepath.Join(work, server+".db")
		return "sqlite:" + path, func() {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(path + suffix)
			}
		}
	}
	var raw [4]byte
	_, _ = rand.Read(raw[:])
	schema := "bench_" + server + "_" + hex.EncodeToString(raw[:])
	exec1 := func(sql string) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, withoutPoolParameters(postgresURL))
		if err != nil {
			log.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			log.Fatal(err)
		}
	}
	exec1("CREATE SCHEMA " + schema)
	u, err := url.Parse(postgresURL)
	if err != nil {
		log.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() { exec1("DROP SCHEMA " + schema + " CASCADE") }
}

// withoutPoolParameters drops pgxpool's own settings (pool_max_conns...), which a single
// connection would send to the server as unknown parameters.
func withoutPoolParameters(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// measure starts one server, runs the submission and the tracking phase against it, and stops it.
func measure(backend, server, dbURL, doorstep, baseline, work string, duration time.Duration, concurrency int, phases string) []result {
	addr := freeAddr()
	var cmd *exec.Cmd
	if server == "doorstep" {
		// The load tool cannot read SMS, so one-time codes are off for the benchmark.
		cmd = exec.Command(doorstep, "serve", "--addr", addr, "--database-url", dbURL, "--log-level", "warn", "--otp", "off")
	} else {
		cmd = exec.Command(baseline, "--addr", addr, "--database-url", dbURL)
	}
	logFile, err := os.Create(filepath.Join(work, server+"-"+backend+".log"))
	if err != nil {
		log.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = work // where Doorstep's local outbox goes on PostgreSQL, not the checkout
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	waitReady("http://" + addr + "/api/v1/services")

	var out []result
	for _, phase := range []struct{ name, mix, op string }{
		{"submission", "submit=100", "submit"},
		{"tracking", "track=100", "track"},
	} {
		if !slices.Contains(strings.Split(phases, ","), phase.name) {
			continue
		}
		fmt.Fprintf(os.Stderr, "== %s on %s: %s for %s at concurrency %d\n", server, backend, phase.name, duration, concurrency)
		reportPath := filepath.Join(work, "report.json")
		lt := exec.Command(doorstep, "loadtest", "--url", "http://"+addr, "--duration", duration.String(),
			"--concurrency", strconv.Itoa(concurrency), "--mix", phase.mix, "--json", reportPath)
		lt.Stdout, lt.Stderr = os.Stderr, os.Stderr
		_ = lt.Run() // a non-zero exit (errors, lost requests) shows in the report
		var rep report
		data, err := os.ReadFile(reportPath)
		if err != nil {
			log.Fatalf("load test report: %v", err)
		}
		if err := json.Unmarshal(data, &rep); err != nil {
			log.Fatalf("load test report: %v", err)
		}
		errors := 0
		for _, n := range rep.Errors {
			errors += n
		}
		out = append(out, result{backend: backend, server: server, phase: phase.name, stats: rep.Operations[phase.op],
			errors: errors, lost: len(rep.Lost)})
		// The submissions' messages are still being sent when the phase ends; the next phase
		// measures tracking, not the queue's draining.
		if took := settle(cmd.Process.Pid); took >= 2*time.Second {
			fmt.Fprintf(os.Stderr, "== %s on %s: busy for %s after the %s phase (sending its messages)\n", server, backend, took.Round(time.Second), phase.name)
			out[len(out)-1].drain = took
		}
	}
	rss := peakRSSMiB(cmd.Process.Pid)
	for i := range out {
		out[i].peakRSSMiB = rss
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
	}
	return out
}

func waitReady(u string) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(u); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	log.Fatalf("%s did not answer", u)
}

// settle waits until the process uses less than 5% of a CPU over a second (at most five
// minutes) and says how long that took.
func settle(pid int) time.Duration {
	start := time.Now()
	last := cpuTicks(pid)
	for time.Since(start) < 5*time.Minute {
		time.Sleep(time.Second)
		now := cpuTicks(pid)
		if now-last < 5 { // clock ticks are 1/100 s
			break
		}
		last = now
	}
	return time.Since(start)
}

// cpuTicks reads the process's user and system CPU time, in clock ticks (Linux).
func cpuTicks(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses and may hold spaces.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return utime + stime
}

// peakRSSMiB reads the process's high-water mark of resident memory (Linux).
func peakRSSMiB(pid int) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func printResults(w io.Writer, results []result, duration time.Duration, concurrency int) {
	fmt.Fprintf(w, "\nDoorstep vs baseline, %s per phase, concurrency %d, %d CPUs\n\n", duration, concurrency, runtime.NumCPU())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "backend\tphase\tround\tserver\treq/s\tp50 ms\tp95 ms\tp99 ms\terrors\tlost\tpeak RSS MiB\tbusy after s\t")
	slices.SortStableFunc(results, func(a, b result) int {
		return cmp.Or(cmp.Compare(a.backend, b.backend), cmp.Compare(a.phase, b.phase), cmp.Compare(a.round, b.round),
			cmp.Compare(a.server, b.server))
	})
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%.0f\t%.2f\t%.2f\t%.2f\t%d\t%d\t%.0f\t%.0f\t\n", r.backend, r.phase, r.round, r.server,
			r.stats.RPS, r.stats.P50, r.stats.P95, r.stats.P99, r.errors, r.lost, r.peakRSSMiB, r.drain.Seconds())
	}
	tw.Flush()

	fmt.Fprintf(w, "\nRatios Doorstep/baseline by round, and their median (targets: throughput >= 0.70 (tracking: >= %.2f in every round), p99 <= 2.00, Doorstep peak RSS < 150 MiB)\n\n", trackingFloor)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "backend\tphase\tthroughput\tmedian\tp99\tmedian\tDoorstep RSS MiB\tverdict\t")
	type key struct{ backend, phase string }
	type ratios struct {
		tput, p99 []float64
		rss       float64
		failed    bool // an error or a lost request in some round
	}
	byKey := map[key]*ratios{}
	var order []key
	for _, r := range results {
		if r.server != "doorstep" {
			continue
		}
		var base *result
		for i := range results {
			if b := &results[i]; b.server == "baseline" && b.backend == r.backend && b.phase == r.phase && b.round == r.round {
				base = b
			}
		}
		if base == nil || base.stats.RPS == 0 || base.stats.P99 == 0 {
			continue
		}
		k := key{r.backend, r.phase}
		if byKey[k] == nil {
			byKey[k] = &ratios{}
			order = append(order, k)
		}
		rt := byKey[k]
		rt.tput = append(rt.tput, r.stats.RPS/base.stats.RPS)
		rt.p99 = append(rt.p99, r.stats.P99/base.stats.P99)
		rt.rss = max(rt.rss, r.peakRSSMiB)
		rt.failed = rt.failed || r.errors > 0 || r.lost > 0
	}
	for _, k := range order {
		rt := byKey[k]
		tput, p99 := median(rt.tput), median(rt.p99)
		verdict := "meets targets"
		if tput < 0.70 || p99 > 2.0 || rt.rss >= 150 || rt.failed || k.phase == "tracking" && slices.Min(rt.tput) < trackingFloor {
			verdict = "MISSES a target"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%s\t%.2f\t%.0f\t%s\t\n", k.backend, k.phase, list(rt.tput), tput, list(rt.p99), p99, rt.rss, verdict)
	}
	tw.Flush()
}

// trackingFloor is what a lookup by reference, the call customers make most, must reach of
// the baseline's in every round, not only on the median.
const trackingFloor = 0.85

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func list(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, ", ")
}
