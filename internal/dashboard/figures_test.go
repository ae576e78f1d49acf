package dashboard_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
	"github.com/doorstep-post/doorstep/internal/testenv/fixture"
)

var mixSeed = flag.Uint64("mix.seed", 0, "seed of TestFiguresEqualARecount's mix of changes (0: its fixed seed)")

// TestFiguresEqualARecount: after a seeded random mix of submissions (some at once, so that
// they are written as a group), status changes, customers' cancellations, bulk changes,
// changes racing each other and rushes of writers on the same counters, over ten IST days
// and across IST midnights, every figure the dashboard shows of every unit touched, for
// every kind of period, equals a count made in plain Go from the requests as the store gives
// them back. The counters are kept by every change in its own transaction; the recount
// shares nothing with them, not even the package's day, hour and bucket arithmetic.
func TestFiguresEqualARecount(t *testing.T) {
	seed := *mixSeed
	if seed == 0 {
		seed = 20261120
	}
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		t.Logf("seed %d (go test -run %s -mix.seed=%d repeats it)", seed, t.Name(), seed)
		start := time.Date(2026, 11, 20, 21, 0, 0, 0, ist) // three hours before an IST midnight
		m := newMix(t, fixture.NewAt(t, st, start), seed)

		// Three requests that stay in progress until the script completes them, after 3 to 7
		// days, 7 to 30 days and over 30 days: the random mix seldom waits that long.
		slow := make([]*tracked, 3)
		m.run(m.submit(0, 3, "", &slow[0]), m.submit(2, 0, "", &slow[1]), m.submit(4, 1, "", &slow[2]))
		for _, r := range slow {
			r.keepOpen = true
			m.run(m.change(r, request.Change{To: request.StatusInProgress}, "moved to in progress"))
		}
		complete := func(r *tracked) {
			m.run(m.change(r, request.Change{To: request.StatusCompleted, Remarks: "Service provided at doorstep"}, "completed"))
		}

		// Until just before the first midnight, then requests and changes on either side of it.
		midnight := time.Date(2026, 11, 21, 0, 0, 0, 0, ist)
		for m.w.Now().Before(midnight.Add(-40 * time.Minute)) {
			m.advance(10*time.Minute, 30*time.Minute)
			m.randomStep()
		}
		m.w.SetTime(midnight.Add(-time.Millisecond))
		var early, early2, late *tracked
		m.run(m.submit(0, 0, "", &early), m.submit(0, 1, "", &early2), m.submit(3, 1, "", &late))
		m.run(m.change(early, request.Change{To: request.StatusInProgress}, "moved to in progress"),
			m.change(early2, request.Change{To: request.StatusInProgress}, "moved to in progress"))
		m.w.SetTime(midnight)
		m.run(m.bulkOf(0, []*tracked{early, early2}, request.Change{To: request.StatusCompleted}, -1), m.cancel(late),
			m.submit(2, 2, "", nil))
		m.check("at the first IST midnight", start)

		// Ten days of everything, looked at midway and at the end.
		looked := false
		for end := start.Add(10 * 24 * time.Hour); m.w.Now().Before(end); {
			m.advance(10*time.Minute, 5*time.Hour)
			m.randomStep()
			if !looked && m.w.Now().After(start.Add(4*24*time.Hour)) {
				complete(slow[0])
				m.check("on the fifth day", start)
				looked = true
			}
		}
		complete(slow[1])
		m.check("after ten days", start)

		// Five weeks on: the requests still open are settled, some after more than 30 days.
		m.w.SetTime(start.Add(37*24*time.Hour + 7*time.Hour))
		complete(slow[2])
		for range 8 {
			m.advance(time.Hour, 4*time.Hour)
			m.randomStep()
		}
		m.check("five weeks on", start)
		// Three quiet days: nothing changes but the ages, the overdue flags and the periods.
		m.advance(3*24*time.Hour, 3*24*time.Hour+7*time.Hour)
		m.check("three quiet days later", start)
		// Every hour of a day: the ages' and overdue bounds fall at every hour of their
		// days, and are read from either end of them.
		for h := range 24 {
			m.w.SetTime(m.w.Now().Add(time.Hour))
			m.check(fmt.Sprintf("%d hours later", h+1), start)
		}

		// The mix did all it is meant to.
		for _, what := range []string{"submitted", "duplicate", "replayed", "submitted at once", "moved to in progress",
			"re-assigned", "completed", "not serviceable", "cancelled by the customer", "completed in bulk", "moved in bulk",
			"refused in bulk as changed meanwhile", "raced", "crowd", "rush", "closed on a later IST day",
			"completed within 3 days", "completed in 3 to 7 days", "completed in 7 to 30 days", "completed after 30 days",
			"open, overdue", "open, not yet overdue", "open for over a week"} {
			if m.stats[what] == 0 {
				t.Errorf("the mix never had %s: %v", what, m.stats)
			}
		}
		t.Logf("the mix: %v", m.stats)
	})
}

// ist is India Standard Time, spelt out again so that the recount shares no code with the
// package's day and hour arithmetic.
var ist = time.FixedZone("IST", 5*60*60+30*60)

// mixDivisions are where the mix's requests go: two Divisions of Agra Region and one of
// Lucknow HQ Region (Uttar Pradesh Circle), and two of Delhi Circle, which has no Regions.
var mixDivisions = []struct{ pincode, division, username string }{
	{"282001", "Agra Division", "agra"},
	{"281001", "Mathura Division", "mathura"},
	{"226001", "Lucknow GPO Division", "lucknow.gpo"},
	{"110001", "New Delhi GPO Division", "newdelhi.gpo"},
	{"110002", "New Delhi Central Division", "newdelhi.central"},
}

var mixServices = []string{"article_booking", "emoney_order", "aeps_cash", "pli_premium"}

// target is every service's target time: the default, as no service sets its own.
const target = 48 * time.Hour

// tracked is what the mix knows of a request it made, to choose what to do with it next.
type tracked struct {
	ref      string
	division int // in mixDivisions
	sub      request.Submission
	key      string // its idempotency key, if any
	keepOpen bool   // never closed, so that some requests grow old
	status   request.Status
	version  int
	assigned string
	created  time.Time
}

func (r *tracked) update(got request.Request) {
	r.status, r.version, r.assigned, r.created = got.Status, got.Version(), got.AssignedTo, got.CreatedAt
}

func (r *tracked) open() bool {
	return r.status == request.StatusSubmitted || r.status == request.StatusInProgress
}

// op is one thing a customer or a member of staff does. The ops of a step run at once, each
// in a goroutine of its own; then, in order, each applies what it learnt to the mix.
type op struct {
	prepare    func(ctx context.Context) error // before the step's ops run at once, in order
	run        func(ctx context.Context) error
	apply      func()
	submission bool
}

type mix struct {
	t        *testing.T
	w        *fixture.World
	dir      *postal.Directory
	rng      *rand.Rand
	actors   []desk.Actor // by mixDivisions index
	requests []*tracked
	byRef    map[string]*tracked
	mobiles  int
	keys     int
	stats    map[string]int // what happened, to check that the mix did everything
}

func newMix(t *testing.T, w *fixture.World, seed uint64) *mix {
	m := &mix{t: t, w: w, dir: testenv.Directory(t), rng: rand.New(rand.NewPCG(seed, 1)), byRef: map[string]*tracked{},
		stats: map[string]int{}}
	for _, d := range mixDivisions {
		a, ok := w.Actors[d.username]
		if !ok {
			// Straight into the store: these accounts act through the desk but never log in.
			acc, err := w.Store.CreateAccount(context.Background(), staff.Account{Username: d.username, Role: staff.RoleDivision,
				Unit: d.division, PasswordHash: "never logs in", CreatedAt: w.Now().UTC()},
				audit.Entry{Actor: audit.System, Action: "account_create", Target: d.username})
			if err != nil {
				t.Fatal(err)
			}
			a = desk.Actor{Account: acc, IP: "10.1.2.4"}
		}
		m.actors = append(m.actors, a)
	}
	return m
}

// advance moves the clock on by a random time in [lo, hi].
func (m *mix) advance(lo, hi time.Duration) {
	m.w.SetTime(m.w.Now().Add(lo + time.Duration(m.rng.Int64N(int64(hi-lo)+1))))
}

// run runs ops at once and applies what they learnt; an op that fails ends the test.
func (m *mix) run(ops ...op) {
	m.t.Helper()
	ctx := context.Background()
	errs := make([]error, len(ops))
	for i, o := range ops {
		if o.prepare != nil {
			errs[i] = o.prepare(ctx)
		}
	}
	if err := errors.Join(errs...); err != nil {
		m.t.Fatalf("at %s: %v", m.w.Now().In(ist).Format(time.DateTime), err)
	}
	var wg sync.WaitGroup
	for i, o := range ops {
		wg.Go(func() { errs[i] = o.run(ctx) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		m.t.Fatalf("at %s: %v", m.w.Now().In(ist).Format(time.DateTime), err)
	}
	submissions := 0
	for _, o := range ops {
		if o.apply != nil {
			o.apply()
		}
		if o.submission {
			submissions++
		}
	}
	if submissions > 1 {
		m.stats["submitted at once"]++
	}
}

// busy is what the ops of one step already act on: two ops of a step never act on the same
// request (but for a race, on purpose) or send codes to the same mobile.
type busy struct {
	requests map[*tracked]bool
	mobiles  map[string]bool
}

// pick is a random request that ok accepts and no other op of the step acts on, or nil.
func (m *mix) pick(b busy, ok func(*tracked) bool) *tracked {
	var candidates []*tracked
	for _, r := range m.requests {
		if !b.requests[r] && !b.mobiles[r.sub.Mobile] && ok(r) {
			candidates = append(candidates, r)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	r := candidates[m.rng.IntN(len(candidates))]
	b.requests[r], b.mobiles[r.sub.Mobile] = true, true
	return r
}

// randomStep runs one to six random ops at once, now and then among a crowd of submissions or
// a rush of closures.
func (m *mix) randomStep() {
	b := busy{map[*tracked]bool{}, map[string]bool{}}
	var ops []op
	n := 1 + m.rng.IntN(6)
	switch m.rng.IntN(10) {
	case 0: // a crowd: many submissions at once, all of one hour
		for range 16 + m.rng.IntN(9) {
			ops = append(ops, m.submit(m.rng.IntN(len(mixDivisions)), m.rng.IntN(len(mixServices)), "", nil))
		}
		m.stats["crowd"]++
	case 1:
		ops = m.rush(b)
	}
	for range n {
		ops = append(ops, m.randomOps(b)...)
	}
	m.run(ops...)
}

// rush closes at once up to 16 open requests submitted in the same IST hour, each in a
// transaction of its own: they add to the same counters (the hour's open rows, the day's
// rows of the units above), so that an update lost between concurrent writers shows.
func (m *mix) rush(b busy) []op {
	cohorts := map[time.Time][]*tracked{}
	var largest time.Time
	for _, r := range m.requests {
		if r.open() && !r.keepOpen {
			h := hourStart(r.created)
			cohorts[h] = append(cohorts[h], r)
			if len(cohorts[h]) > len(cohorts[largest]) || len(cohorts[h]) == len(cohorts[largest]) && h.Before(largest) {
				largest = h
			}
		}
	}
	if len(cohorts[largest]) < 6 {
		return nil
	}
	m.stats["rush"]++
	var ops []op
	for range 16 {
		r := m.pick(b, func(r *tracked) bool { return slices.Contains(cohorts[largest], r) })
		switch {
		case r == nil:
			return ops
		case r.status == request.StatusInProgress:
			ops = append(ops, m.change(r, request.Change{To: request.StatusCompleted, Remarks: "Service provided at doorstep"}, "completed"))
		case m.rng.IntN(2) == 0:
			ops = append(ops, m.change(r, request.Change{To: request.StatusNotServiceable, Remarks: "Address not traceable"}, "not serviceable"))
		default:
			ops = append(ops, m.cancel(r))
		}
		m.stats["closed in a rush"]++
	}
	return ops
}

func (m *mix) randomOps(b busy) []op {
	closable := func(r *tracked) bool { return r.open() && !r.keepOpen }
	newSubmission := func() []op {
		key := ""
		if m.rng.IntN(4) == 0 {
			m.keys++
			key = fmt.Sprintf("mix-%d", m.keys)
		}
		return []op{m.submit(m.rng.IntN(len(mixDivisions)), m.rng.IntN(len(mixServices)), key, nil)}
	}
	switch x := m.rng.IntN(100); {
	case x < 38:
		return newSubmission()
	case x < 41: // the same submission again with its idempotency key: a replay
		if r := m.pick(b, func(r *tracked) bool { return r.key != "" }); r != nil {
			return []op{m.again(r, r.key)}
		}
	case x < 45: // the same thing asked again while it is open: a duplicate
		if r := m.pick(b, (*tracked).open); r != nil {
			return []op{m.again(r, "")}
		}
	case x < 58:
		if r := m.pick(b, (*tracked).open); r != nil {
			ch := request.Change{To: request.StatusInProgress}
			what := "moved to in progress"
			if r.status == request.StatusInProgress || m.rng.IntN(2) == 0 {
				ch.AssignedTo = fmt.Sprintf("Postman %d", m.rng.IntN(1000))
				for ch.AssignedTo == r.assigned {
					ch.AssignedTo += " Jr"
				}
			}
			if r.status == request.StatusInProgress {
				what = "re-assigned"
			}
			return []op{m.change(r, ch, what)}
		}
	case x < 70:
		if r := m.pick(b, func(r *tracked) bool { return closable(r) && r.status == request.StatusInProgress }); r != nil {
			return []op{m.change(r, request.Change{To: request.StatusCompleted, Remarks: "Service provided at doorstep"}, "completed")}
		}
	case x < 76:
		if r := m.pick(b, closable); r != nil {
			return []op{m.change(r, request.Change{To: request.StatusNotServiceable, Remarks: "Address not traceable"}, "not serviceable")}
		}
	case x < 86:
		if r := m.pick(b, closable); r != nil {
			return []op{m.cancel(r)}
		}
	case x < 94:
		if o, ok := m.bulk(b); ok {
			return []op{o}
		}
	default:
		if r := m.pick(b, closable); r != nil {
			return m.race(r)
		}
	}
	return newSubmission()
}

// submit is a customer's new request in a Division, for a service; out, if not nil, is set
// to it once applied.
func (m *mix) submit(division, service int, key string, out **tracked) op {
	m.mobiles++
	sub := request.Submission{Name: "Kamla Devi", Address: "14 Sadar Bazaar, near the clock tower",
		Pincode: mixDivisions[division].pincode, Email: "kamla@example.com", Mobile: fmt.Sprintf("9%09d", m.mobiles),
		Service: mixServices[service], Language: "hi"}
	keepOpen := m.rng.IntN(6) == 0
	var res intake.Result
	return op{
		run: func(ctx context.Context) (err error) {
			res, err = m.w.Intake.Submit(ctx, sub, key)
			return err
		},
		apply: func() {
			if res.Duplicate || res.Replayed {
				m.t.Errorf("a new mobile's submission was taken for another: %+v", res)
			}
			r := m.learn(res, division, sub, key)
			r.keepOpen = keepOpen
			if out != nil {
				*out = r
			}
		},
		submission: true,
	}
}

// again submits r's submission again, with key.
func (m *mix) again(r *tracked, key string) op {
	var res intake.Result
	sub := r.sub
	return op{
		run: func(ctx context.Context) (err error) {
			res, err = m.w.Intake.Submit(ctx, sub, key)
			return err
		},
		apply:      func() { m.learn(res, r.division, sub, key) },
		submission: true,
	}
}

// learn records what a submission answered.
func (m *mix) learn(res intake.Result, division int, sub request.Submission, key string) *tracked {
	switch {
	case res.Replayed:
		m.stats["replayed"]++
	case res.Duplicate:
		m.stats["duplicate"]++
	default:
		m.stats["submitted"]++
	}
	ref := string(res.Request.Reference)
	r := m.byRef[ref]
	if r == nil {
		r = &tracked{ref: ref, division: division, sub: sub, key: key}
		m.byRef[ref] = r
		m.requests = append(m.requests, r)
	}
	r.update(res.Request)
	return r
}

// change is a change by staff of r's Division, decided on the version the mix knows.
func (m *mix) change(r *tracked, ch request.Change, what string) op {
	actor, version := m.actors[r.division], r.version
	var got request.Request
	return op{
		run: func(ctx context.Context) (err error) {
			got, err = m.w.Desk.Change(ctx, actor, r.ref, ch, version)
			if err != nil {
				err = fmt.Errorf("%s %s: %w", what, r.ref, err)
			}
			return err
		},
		apply: func() {
			r.update(got)
			m.stats[what]++
		},
	}
}

// cancel is the customer cancelling r with the code sent to its mobile.
func (m *mix) cancel(r *tracked) op {
	var got request.Request
	return op{
		run: func(ctx context.Context) error {
			if _, _, err := m.w.Intake.SendCancelCode(ctx, r.ref); err != nil {
				return fmt.Errorf("cancel code for %s: %w", r.ref, err)
			}
			var err error
			if got, err = m.w.Intake.Cancel(ctx, r.ref, fixture.Code, "10.9.8.7"); err != nil {
				err = fmt.Errorf("cancel %s: %w", r.ref, err)
			}
			return err
		},
		apply: func() {
			r.update(got)
			m.stats["cancelled by the customer"]++
		},
	}
}

// bulk is a Division's bulk change of a few of its requests: the submitted ones moved to in
// progress, or the ones in progress completed. Sometimes one of them is listed with a version
// it no longer has, and must be refused alone.
func (m *mix) bulk(b busy) (op, bool) {
	division := m.rng.IntN(len(mixDivisions))
	ch := request.Change{To: request.StatusInProgress}
	from := request.StatusSubmitted
	if m.rng.IntN(2) == 0 {
		ch, from = request.Change{To: request.StatusCompleted, Remarks: "Service provided at doorstep"}, request.StatusInProgress
	}
	var rs []*tracked
	for range 2 + m.rng.IntN(4) {
		r := m.pick(b, func(r *tracked) bool {
			return r.division == division && r.status == from && (ch.To != request.StatusCompleted || !r.keepOpen)
		})
		if r != nil {
			rs = append(rs, r)
		}
	}
	if len(rs) == 0 {
		return op{}, false
	}
	stale := -1
	if m.rng.IntN(3) == 0 {
		stale = m.rng.IntN(len(rs))
	}
	return m.bulkOf(division, rs, ch, stale), true
}

// bulkOf is the bulk change of rs, requests of a Division, listing the one at index stale (if
// any) with a version it has not reached.
func (m *mix) bulkOf(division int, rs []*tracked, ch request.Change, stale int) op {
	items := make([]desk.BulkItem, len(rs))
	for i, r := range rs {
		items[i] = desk.BulkItem{Reference: r.ref, Version: r.version}
		if i == stale {
			items[i].Version++
		}
	}
	actor := m.actors[division]
	var results []desk.BulkResult
	return op{
		run: func(ctx context.Context) (err error) {
			if results, err = m.w.Desk.Bulk(ctx, actor, items, ch); err != nil {
				return fmt.Errorf("bulk %s: %w", ch.To, err)
			}
			for i, res := range results {
				switch {
				case i == stale && !errors.Is(res.Err, desk.ErrChangedMeanwhile):
					return fmt.Errorf("bulk %s of %s at a stale version: %v, want %v", ch.To, res.Reference, res.Err, desk.ErrChangedMeanwhile)
				case i != stale && res.Err != nil:
					return fmt.Errorf("bulk %s of %s: %w", ch.To, res.Reference, res.Err)
				}
			}
			return nil
		},
		apply: func() {
			for i, res := range results {
				if i == stale {
					m.stats["refused in bulk as changed meanwhile"]++
					continue
				}
				rs[i].update(res.Request)
				if ch.To == request.StatusCompleted {
					m.stats["completed in bulk"]++
				} else {
					m.stats["moved in bulk"]++
				}
			}
		},
	}
}

// race is the Division closing r while its customer cancels it: exactly one of them wins, and
// the request is counted closed once.
func (m *mix) race(r *tracked) []op {
	ch := request.Change{To: request.StatusNotServiceable, Remarks: "Customer not available"}
	if r.status == request.StatusInProgress {
		ch = request.Change{To: request.StatusCompleted, Remarks: "Service provided at doorstep"}
	}
	actor, version := m.actors[r.division], r.version
	var byDesk, byCustomer request.Request
	var deskErr, customerErr error
	return []op{{
		run: func(ctx context.Context) error {
			byDesk, deskErr = m.w.Desk.Change(ctx, actor, r.ref, ch, version)
			var invalid *request.ValidationError // it read the request once cancelled
			if deskErr == nil || errors.Is(deskErr, desk.ErrChangedMeanwhile) || errors.As(deskErr, &invalid) {
				return nil
			}
			return fmt.Errorf("racing %s: %w", r.ref, deskErr)
		},
	}, {
		// The code is sent first, so that the two race with one read and one write each.
		prepare: func(ctx context.Context) error {
			_, _, err := m.w.Intake.SendCancelCode(ctx, r.ref)
			return err
		},
		run: func(ctx context.Context) error {
			byCustomer, customerErr = m.w.Intake.Cancel(ctx, r.ref, fixture.Code, "10.9.8.7")
			if customerErr == nil || errors.Is(customerErr, intake.ErrChangedMeanwhile) || errors.Is(customerErr, intake.ErrCannotCancel) {
				return nil
			}
			return fmt.Errorf("racing %s: %w", r.ref, customerErr)
		},
		apply: func() {
			m.stats["raced"]++
			switch {
			case deskErr == nil && customerErr == nil:
				m.t.Errorf("%s: the Division's change to %s and the customer's cancellation both went through", r.ref, ch.To)
			case deskErr == nil:
				r.update(byDesk)
				m.stats["race won by the desk"]++
			case customerErr == nil:
				r.update(byCustomer)
				m.stats["race won by the customer"]++
			default:
				m.t.Errorf("%s: neither the Division's change nor the cancellation went through: %v; %v", r.ref, deskErr, customerErr)
			}
		},
	}}
}
