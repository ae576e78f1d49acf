// Package loadtest puts load on a running Doorstep server through its JSON API and then checks
// that nothing was lost: every request the server said it created can be tracked.
//
// A fixed number of workers each send one request at a time, in a closed loop, until the
// duration is over; the mix decides how often each operation is chosen. Latencies are
// recorded per operation in log-linear histograms (within 0.4% of the exact percentile).
// After the load, every submission answered 201 is fetched by its reference; those that
// cannot be tracked are reported as lost.
package loadtest

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/request"
)

// Options say where to put load, how much and of what kind.
type Options struct {
	URL         string        // the server's base URL, like http://127.0.0.1:8080
	Duration    time.Duration // how long the load lasts
	Concurrency int           // workers, each with one request in flight at a time
	Mix         Mix           // how often each operation is chosen
	Seed        int64         // seeds the generated data and the choice of operations; 0 picks one
	Timeout     time.Duration // for each HTTP request, from sending to the last byte of the answer
}

// Limits on Options.
const (
	MaxConcurrency = 10_000
	// WarmupRequests are created, unmeasured, before a run whose mix tracks but never submits.
	WarmupRequests = 50
	// verifyConcurrency bounds the verification phase's requests in flight.
	verifyConcurrency = 8
	// maxBody bounds how much of an answer is read.
	maxBody = 1 << 20
)

// Validate checks the options, with messages naming the flag to correct.
func (o Options) Validate() error {
	if _, err := baseURL(o.URL); err != nil {
		return err
	}
	switch {
	case o.Duration <= 0:
		return fmt.Errorf("--duration must be positive, like 30s; got %s", o.Duration)
	case o.Concurrency < 1 || o.Concurrency > MaxConcurrency:
		return fmt.Errorf("--concurrency must be from 1 to %d; got %d", MaxConcurrency, o.Concurrency)
	case o.Timeout <= 0:
		return fmt.Errorf("--timeout must be positive, like 10s; got %s", o.Timeout)
	}
	if err := o.Mix.validate(); err != nil {
		return fmt.Errorf("--mix: %w", err)
	}
	return nil
}

// baseURL checks a server URL and returns it without a trailing slash.
func baseURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("--url is required: the base URL of a running Doorstep server, like http://127.0.0.1:8080")
	}
	u, err := url.Parse(raw)
	switch {
	case !strings.HasPrefix(strings.ToLower(raw), "http://") && !strings.HasPrefix(strings.ToLower(raw), "https://"):
		return "", fmt.Errorf("--url %q must start with http:// or https://, like http://127.0.0.1:8080", raw)
	case err != nil:
		return "", fmt.Errorf("--url %q is not a URL: %v", raw, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("--url %q must start with http:// or https://", raw)
	case u.Host == "":
		return "", fmt.Errorf("--url %q has no host", raw)
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("--url %q must be the server's base URL, without ? or #", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

var (
	directoryOnce sync.Once
	directory     *postal.Directory
	directoryErr  error
)

func loadDirectory() (*postal.Directory, error) {
	directoryOnce.Do(func() { directory, directoryErr = postal.Load() })
	return directory, directoryErr
}

// Run puts load on the server for opts.Duration, then verifies every request it created, and
// reports. Progress goes to progress once a second. Run fails only if the test cannot start
// (bad options, the server cannot be reached or lists no services, the warm-up fails); what
// goes wrong during the load is in the Report. If ctx is cancelled during the load, the load
// stops, verification is skipped and the report says Interrupted.
func Run(ctx context.Context, opts Options, progress io.Writer) (*Report, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	base, _ := baseURL(opts.URL)
	if progress == nil {
		progress = io.Discard
	}
	dir, err := loadDirectory()
	if err != nil {
		return nil, err
	}
	seed := opts.Seed
	if seed == 0 {
		var b [8]byte
		_, _ = crand.Read(b[:])
		seed = 1 + int64(binary.LittleEndian.Uint64(b[:])%999_999_999) // short enough to retype
	}

	r := &runner{
		base:    base,
		timeout: opts.Timeout,
		client:  newClient(opts.Concurrency, opts.Timeout),
		mix:     opts.Mix,
	}
	defer r.client.CloseIdleConnections()
	services, err := r.activeServices(ctx)
	if err != nil {
		return nil, err
	}
	r.gen = &generator{dir: dir, pincodes: dir.Pincodes(), services: services}

	fmt.Fprintf(progress, "load test of %s: %d workers for %s, mix %s, seed %d (%d services, %d pincodes)\n",
		base, opts.Concurrency, opts.Duration, opts.Mix, seed, len(services), len(r.gen.pincodes))

	warmup := 0
	if !opts.Mix.has(OpSubmit) {
		if warmup, err = r.warmUp(ctx, rand.New(rand.NewPCG(uint64(seed), 1<<32))); err != nil {
			return nil, err
		}
		fmt.Fprintf(progress, "warm-up: created %d requests to track (not measured)\n", warmup)
	}

	workers := make([]*worker, opts.Concurrency)
	for i := range workers {
		workers[i] = &worker{rng: rand.New(rand.NewPCG(uint64(seed), uint64(i))), errors: map[string]int64{}}
	}
	start := time.Now()
	end := start.Add(opts.Duration)
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() { r.work(ctx, w, end) })
	}
	done := make(chan struct{})
	var progressDone sync.WaitGroup
	progressDone.Go(func() { r.showProgress(progress, start, done) })
	wg.Wait()
	elapsed := time.Since(start)
	close(done)
	progressDone.Wait()

	rep := r.report(opts, seed, elapsed, workers)
	rep.Warmup = warmup
	if ctx.Err() != nil {
		rep.Interrupted = true
		fmt.Fprintf(progress, "interrupted after %s: the %d submissions are not verified\n", elapsed.Round(time.Millisecond), rep.Submitted)
		return rep, nil
	}
	fmt.Fprintf(progress, "load done after %s; verifying %d submissions\n", elapsed.Round(time.Millisecond), rep.Submitted)
	r.verify(ctx, opts.Concurrency, rep)
	if ctx.Err() != nil {
		rep.Interrupted = true
	}
	return rep, nil
}

// newClient returns the one client every worker shares. It keeps an idle connection per
// worker (and some for verification), so connections are reused rather than churned; it
// goes through no proxy and follows no redirect, so traffic goes to the given URL only.
func newClient(concurrency int, timeout time.Duration) *http.Client {
	idle := concurrency + verifyConcurrency
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:          idle,
			MaxIdleConnsPerHost:   idle,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   timeout,
			ExpectContinueTimeout: time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// created is a request the server answered 201 for: what to verify later.
type created struct {
	reference string
	mobile    string // 10 digits
	pincode   string
	division  string
	status    string
	service   string
}

// refs holds the requests this run created, for tracking and for verification.
type refs struct {
	mu   sync.RWMutex
	list []created
}

func (rs *refs) add(c created) {
	rs.mu.Lock()
	rs.list = append(rs.list, c)
	rs.mu.Unlock()
}

func (rs *refs) random(rng *rand.Rand) (created, bool) {
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	if len(rs.list) == 0 {
		return created{}, false
	}
	return rs.list[rng.IntN(len(rs.list))], true
}

func (rs *refs) all() []created {
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	return append([]created(nil), rs.list...)
}

type runner struct {
	base    string
	timeout time.Duration
	client  *http.Client
	mix     Mix
	gen     *generator
	created refs

	requests atomic.Int64 // for progress
	failures atomic.Int64
}

// worker is one closed loop's own counts, merged when the load is over.
type worker struct {
	rng    *rand.Rand
	ops    [3]opStats // indexed like Ops
	errors map[string]int64
}

type opStats struct {
	requests, ok, duplicates int64
	latency                  histogram
}

func opIndex(op Op) int {
	for i, o := range Ops {
		if o == op {
			return i
		}
	}
	panic("loadtest: unknown operation " + string(op))
}

// outcome is what one call came to. kind is empty for a success, else the error's kind.
type outcome struct {
	kind      string
	duplicate bool
	latency   time.Duration
	cancelled bool // the run was interrupted: the call is not counted
}

func (r *runner) work(ctx context.Context, w *worker, end time.Time) {
	for ctx.Err() == nil && time.Now().Before(end) {
		op := r.mix.pick(w.rng)
		var res outcome
		var c created
		var ok bool
		if op != OpSubmit {
			c, ok = r.created.random(w.rng)
			if !ok {
				op = OpSubmit // nothing to track yet
			}
		}
		switch op {
		case OpSubmit:
			res = r.submit(ctx, r.gen.next(w.rng), true)
		case OpTrack:
			res = r.track(ctx, c)
		case OpTrackMobile:
			res = r.trackMobile(ctx, c)
		}
		if res.cancelled {
			return
		}
		st := &w.ops[opIndex(op)]
		st.requests++
		r.requests.Add(1)
		if res.kind != "" {
			w.errors[res.kind]++
			r.failures.Add(1)
			if connectionKinds[res.kind] {
				pause(ctx, end, connectionBackoff)
			}
			continue
		}
		st.ok++
		if res.duplicate {
			st.duplicates++
		}
		st.latency.record(res.latency)
	}
}

// connectionBackoff is how long a worker waits after failing to get through to the server,
// so that a server that is down is not spun against by thousands of calls a second.
const connectionBackoff = 50 * time.Millisecond

var connectionKinds = map[string]bool{"connection refused": true, "connection reset": true, "connection closed": true, "network": true}

// pause sleeps for d, or until end or ctx is done.
func pause(ctx context.Context, end time.Time, d time.Duration) {
	t := time.NewTimer(min(d, time.Until(end)))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// showProgress writes a line a second until done is closed.
func (r *runner) showProgress(w io.Writer, start time.Time, done <-chan struct{}) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last, lastAt := int64(0), start
	for {
		select {
		case <-done:
			return
		case now := <-tick.C:
			n := r.requests.Load()
			rate := float64(n-last) / now.Sub(lastAt).Seconds()
			fmt.Fprintf(w, "%6s  requests %-9d %8.1f req/s  errors %d\n",
				now.Sub(start).Round(time.Second), n, rate, r.failures.Load())
			last, lastAt = n, now
		}
	}
}

// answer is one HTTP exchange: the status and body, or the transport error's kind.
type answer struct {
	status  int
	body    []byte
	latency time.Duration
	kind    string // set when there was no complete answer
}

// call makes one request with the per-request timeout; the latency runs from sending to the
// last byte of the body. cancelled reports that ctx (not the timeout) ended the call.
func (r *runner) call(ctx context.Context, method, path string, body []byte, header http.Header) (a answer, cancelled bool) {
	rctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(rctx, method, r.base+path, rd)
	if err != nil {
		return answer{kind: "bad request: " + err.Error()}, false
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "doorstep-loadtest")
	start := time.Now()
	resp, err := r.client.Do(req)
	if err == nil {
		a.body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		a.status = resp.StatusCode
	}
	a.latency = time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return answer{}, true
		}
		return answer{kind: classify(err), latency: a.latency}, false
	}
	return a, false
}

// classify names a transport error's kind.
func classify(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	}
	return "network"
}

// Error kinds besides "http NNN" and those of classify.
const (
	kindBadBody          = "bad body"          // the answer does not decode, or lacks the reference
	kindDivisionMismatch = "division mismatch" // a 201 names another Division than the pincode's
	kindWrongRequest     = "wrong request"     // tracking a reference answered with another request
	kindNotInMobileList  = "not in mobile list"
)

func httpKind(status int) string { return fmt.Sprintf("http %d", status) }

type createdBody struct {
	Reference string `json:"reference"`
	Status    string `json:"status"`
	Division  string `json:"division"`
	Circle    string `json:"circle"`
	Duplicate bool   `json:"duplicate"`
}

type publicBody struct {
	Reference string `json:"reference"`
	Service   string `json:"service"`
	Status    string `json:"status"`
	Pincode   string `json:"pincode"`
	Division  string `json:"division"`
	History   []struct {
		Status string `json:"status"`
	} `json:"history"`
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

// submit raises s. A 201 must carry a well-formed reference and the Division of s's pincode;
// the request is then remembered for tracking and verification. A 200 must say duplicate.
func (r *runner) submit(ctx context.Context, s submission, remember bool) outcome {
	body, err := json.Marshal(s)
	if err != nil {
		panic(err) // strings only
	}
	header := jsonHeader.Clone()
	header.Set("Idempotency-Key", idempotencyKey())
	a, cancelled := r.call(ctx, http.MethodPost, "/api/v1/requests", body, header)
	switch {
	case cancelled:
		return outcome{cancelled: true}
	case a.kind != "":
		return outcome{kind: a.kind}
	case a.status != http.StatusCreated && a.status != http.StatusOK:
		return outcome{kind: httpKind(a.status), latency: a.latency}
	}
	var cb createdBody
	if json.Unmarshal(a.body, &cb) != nil {
		return outcome{kind: kindBadBody, latency: a.latency}
	}
	ref, err := request.ParseReference(cb.Reference)
	if err != nil || ref.String() != cb.Reference {
		return outcome{kind: kindBadBody, latency: a.latency}
	}
	if a.status == http.StatusOK {
		if !cb.Duplicate {
			return outcome{kind: kindBadBody, latency: a.latency}
		}
		return outcome{duplicate: true, latency: a.latency}
	}
	if cb.Duplicate {
		return outcome{kind: kindBadBody, latency: a.latency}
	}
	if remember {
		r.created.add(created{reference: cb.Reference, mobile: s.mobile10, pincode: s.Pincode,
			division: cb.Division, status: cb.Status, service: s.Service})
	}
	if cb.Division != s.area.Division || cb.Circle != s.area.Circle {
		return outcome{kind: kindDivisionMismatch, latency: a.latency}
	}
	return outcome{latency: a.latency}
}

// track fetches c by its reference; the answer must be that request.
func (r *runner) track(ctx context.Context, c created) outcome {
	a, cancelled := r.call(ctx, http.MethodGet, "/api/v1/requests/"+url.PathEscape(c.reference), nil, nil)
	switch {
	case cancelled:
		return outcome{cancelled: true}
	case a.kind != "":
		return outcome{kind: a.kind}
	case a.status != http.StatusOK:
		return outcome{kind: httpKind(a.status), latency: a.latency}
	}
	var pb publicBody
	if json.Unmarshal(a.body, &pb) != nil || pb.Reference == "" {
		return outcome{kind: kindBadBody, latency: a.latency}
	}
	if pb.Reference != c.reference {
		return outcome{kind: kindWrongRequest, latency: a.latency}
	}
	return outcome{latency: a.latency}
}

// trackMobile lists c's mobile's requests; c must be among them.
func (r *runner) trackMobile(ctx context.Context, c created) outcome {
	a, cancelled := r.call(ctx, http.MethodGet, "/api/v1/requests?"+url.Values{"mobile": {c.mobile}}.Encode(), nil, nil)
	switch {
	case cancelled:
		return outcome{cancelled: true}
	case a.kind != "":
		return outcome{kind: a.kind}
	case a.status != http.StatusOK:
		return outcome{kind: httpKind(a.status), latency: a.latency}
	}
	var list struct {
		Requests []publicBody `json:"requests"`
	}
	if json.Unmarshal(a.body, &list) != nil || list.Requests == nil {
		return outcome{kind: kindBadBody, latency: a.latency}
	}
	for _, pb := range list.Requests {
		if pb.Reference == c.reference {
			return outcome{latency: a.latency}
		}
	}
	return outcome{kind: kindNotInMobileList, latency: a.latency}
}

// activeServices fetches the codes of the services a request can be raised for.
func (r *runner) activeServices(ctx context.Context) ([]string, error) {
	a, cancelled := r.call(ctx, http.MethodGet, "/api/v1/services", nil, nil)
	switch {
	case cancelled:
		return nil, ctx.Err()
	case a.kind != "":
		return nil, fmt.Errorf("cannot reach %s: GET /api/v1/services: %s", r.base, a.kind)
	case a.status != http.StatusOK:
		return nil, fmt.Errorf("GET %s/api/v1/services answered %d, not 200: is this a Doorstep server?", r.base, a.status)
	}
	var list []struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(a.body, &list); err != nil {
		return nil, fmt.Errorf("GET %s/api/v1/services: not a list of services: %v", r.base, err)
	}
	codes := make([]string, 0, len(list))
	for _, s := range list {
		if s.Code != "" {
			codes = append(codes, s.Code)
		}
	}
	if len(codes) == 0 {
		return nil, fmt.Errorf("%s has no active services: no request can be raised", r.base)
	}
	return codes, nil
}

// warmUp creates WarmupRequests requests so that a mix without submit has something to track.
// Every one must succeed.
func (r *runner) warmUp(ctx context.Context, rng *rand.Rand) (int, error) {
	subs := make([]submission, WarmupRequests)
	for i := range subs {
		subs[i] = r.gen.next(rng)
	}
	results := make([]outcome, len(subs))
	forEach(len(subs), verifyConcurrency, func(i int) { results[i] = r.submit(ctx, subs[i], true) })
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	for _, res := range results {
		if res.kind != "" || res.duplicate {
			kind := res.kind
			if res.duplicate {
				kind = "duplicate"
			}
			return 0, fmt.Errorf("warm-up: a submission to %s failed (%s); not starting the load", r.base, kind)
		}
	}
	return len(subs), nil
}

// forEach calls f(0) ... f(n-1) with at most limit calls at a time.
func forEach(n, limit int, f func(i int)) {
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range min(n, limit) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
}

// verify fetches every created request by its reference and records in rep those that
// cannot be tracked as lost. Transport errors and 5xx are retried twice before giving up.
func (r *runner) verify(ctx context.Context, concurrency int, rep *Report) {
	all := r.created.all()
	reasons := make([]string, len(all))
	forEach(len(all), min(concurrency, verifyConcurrency), func(i int) {
		reasons[i] = r.lostReason(ctx, all[i])
	})
	if ctx.Err() != nil {
		return // interrupted: what was not checked is not known to be lost
	}
	for i, c := range all {
		if reasons[i] == "" {
			rep.Verified++
			continue
		}
		rep.Lost = append(rep.Lost, c.reference)
		rep.LostReasons[c.reference] = reasons[i]
	}
	slices.Sort(rep.Lost)
}

// lostReason is empty when c can be tracked as created, else why not.
func (r *runner) lostReason(ctx context.Context, c created) string {
	var a answer
	for attempt := 0; ; attempt++ {
		var cancelled bool
		a, cancelled = r.call(ctx, http.MethodGet, "/api/v1/requests/"+url.PathEscape(c.reference), nil, nil)
		if cancelled {
			return "not checked: interrupted"
		}
		if (a.kind == "" && a.status < 500) || attempt == 2 {
			break
		}
		select {
		case <-ctx.Done():
			return "not checked: interrupted"
		case <-time.After(200 * time.Millisecond):
		}
	}
	switch {
	case a.kind != "":
		return a.kind
	case a.status != http.StatusOK:
		return httpKind(a.status)
	}
	var pb publicBody
	if err := json.Unmarshal(a.body, &pb); err != nil {
		return "bad body: " + err.Error()
	}
	switch {
	case pb.Reference != c.reference:
		return fmt.Sprintf("answered with reference %q", pb.Reference)
	case pb.Pincode != c.pincode || pb.Division != c.division || pb.Service != c.service:
		return fmt.Sprintf("answered with pincode %q, division %q, service %q; created with %q, %q, %q",
			pb.Pincode, pb.Division, pb.Service, c.pincode, c.division, c.service)
	case pb.Status != c.status && !inHistory(pb, c.status):
		return fmt.Sprintf("status %q, and its history lacks %q, the status it was created with", pb.Status, c.status)
	}
	return ""
}

// inHistory says whether status is among the request's past statuses: a Division may move a
// request on while the test runs, which is not a loss.
func inHistory(pb publicBody, status string) bool {
	for _, e := range pb.History {
		if e.Status == status {
			return true
		}
	}
	return false
}
