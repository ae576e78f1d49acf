// Package demo fills an empty database with made-up but realistic data, for trying Doorstep
// out: staff accounts for one Circle, one of its Regions and two of its Divisions plus an
// admin, and a few hundred requests of the last 30 days in those Divisions, in every status,
// with the histories staff would have left. `doorstep serve --demo` calls it (Seed).
//
// Fill makes requests at national scale, for demonstrations and benchmarks: any number, in
// all of India's Divisions, written in bulk. `doorstep demo-data` calls it.
package demo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
)

// The part of the hierarchy the demo lives in: a Circle with Regions, and two Divisions of
// one of its Regions, so that every role sees something and the Region and Circle see both.
const (
	Circle = "Karnataka Circle"
	Region = "Bengaluru HQ Region"
)

// Divisions are the two Divisions whose requests the demo makes.
var Divisions = []string{"Bengaluru East Division", "Bengaluru South Division"}

// DefaultRequests is how many requests the demo makes unless told otherwise.
const DefaultRequests = 300

// Period is how far back the requests go.
const Period = 30 * 24 * time.Hour

// ErrNotEmpty: the database already has staff accounts or requests, and the demo adds nothing
// to it, so that it can never mix made-up requests with real ones (nor duplicate itself).
var ErrNotEmpty = errors.New("the database already has staff accounts or requests; demo data goes only into an empty database")

// Options tune the seeding; the zero value is what `serve --demo` uses.
type Options struct {
	Requests int       // how many requests; 0: DefaultRequests
	Now      time.Time // the end of the period; zero: the wall clock
	// Seed makes the made-up requests reproducible; 0 draws one. Passwords are always random.
	Seed uint64
}

// Account is a demo account with its password, to be shown once and not kept anywhere.
type Account struct {
	Username string
	Role     staff.Role
	Unit     string
	Password string
}

// Store is what seeding needs: what the desk and the catalogue need, and saving requests
// and their changes as they were made, without the messages they would send.
type Store interface {
	desk.Store
	catalogue.Store
	Submit(ctx context.Context, sub store.Submission) (store.SubmitResult, error)
}

// Result is what was seeded.
type Result struct {
	Accounts []Account
	Requests int
	ByStatus map[request.Status]int
}

// Seed puts the demo accounts and requests into st, which must be empty (ErrNotEmpty
// otherwise). Accounts are made through the desk, so their creation is in the audit log like
// any other; the requests are saved with times in the past and without notifications, so
// that no SMS or e-mail goes to the made-up customers.
func Seed(ctx context.Context, st Store, dir *postal.Directory, opts Options) (Result, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC().Truncate(time.Millisecond)
	if opts.Requests <= 0 {
		opts.Requests = DefaultRequests
	}
	seed := opts.Seed
	if seed == 0 {
		seed = mrand.Uint64()
	}
	if err := checkEmpty(ctx, st); err != nil {
		return Result{}, err
	}
	areas, err := demoAreas(dir)
	if err != nil {
		return Result{}, err
	}
	services, err := activeServices(ctx, st)
	if err != nil {
		return Result{}, err
	}

	d := desk.New(st, dir, catalogue.New(st)).WithClock(func() time.Time { return now })
	res := Result{ByStatus: map[request.Status]int{}}
	for _, a := range accountsToMake() {
		a.Password = newPassword(a.Username)
		if _, err := d.CreateAccount(ctx, desk.System, desk.NewAccount{Username: a.Username, Role: string(a.Role), Unit: a.Unit, Password: a.Password}); err != nil {
			return Result{}, fmt.Errorf("demo: account %s: %w", a.Username, err)
		}
		res.Accounts = append(res.Accounts, a)
	}

	g := &generator{rng: mrand.New(mrand.NewPCG(seed, seed>>1|1)), now: now, areas: areas, services: services,
		mobiles: map[string]bool{}}
	plans, err := g.plan(opts.Requests)
	if err != nil {
		return res, err
	}
	for _, p := range plans {
		r, err := save(ctx, st, p)
		if err != nil {
			return res, err
		}
		if r.ID != 0 {
			res.Requests++
			res.ByStatus[r.Status]++
		}
	}
	details := fmt.Sprintf("%d requests in %s", res.Requests, strings.Join(Divisions, " and "))
	return res, d.Audit(ctx, desk.System, "demo_seed", "", details)
}

// checkEmpty refuses a database with any account or request.
func checkEmpty(ctx context.Context, st Store) error {
	accounts, err := st.Accounts(ctx)
	if err != nil {
		return err
	}
	counts, err := st.DeskCounts(ctx, store.DeskQuery{}, 1)
	if err != nil {
		return err
	}
	if len(accounts) > 0 || len(counts) > 0 {
		return ErrNotEmpty
	}
	return nil
}

// accountsToMake are one account per unit of the demo, and an admin.
func accountsToMake() []Account {
	out := []Account{
		{Username: "admin", Role: staff.RoleAdmin},
		{Username: "karnataka.circle", Role: staff.RoleCircle, Unit: Circle},
		{Username: "bengaluru.region", Role: staff.RoleRegion, Unit: Region},
	}
	for _, div := range Divisions {
		name := strings.ToLower(strings.TrimSuffix(div, " Division"))
		out = append(out, Account{Username: strings.ReplaceAll(name, " ", "."), Role: staff.RoleDivision, Unit: div})
	}
	return out
}

// divisionUser is the username of a Division's demo account, the actor of its changes.
func divisionUser(division string) string {
	for _, a := range accountsToMake() {
		if a.Unit == division {
			return a.Username
		}
	}
	return ""
}

// newPassword draws a password like "k7mq-x2rt-9hpa": easy to copy from a terminal, without
// look-alike characters, about 59 bits.
func newPassword(username string) string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	for {
		var b strings.Builder
		for i := range 12 {
			if i > 0 && i%4 == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(alphabet[randIntN(len(alphabet))])
		}
		if staff.CheckPassword(b.String(), username) == "" {
			return b.String()
		}
	}
}

// randIntN is a uniform number in [0, n) from crypto/rand: passwords must not follow from a
// seed.
func randIntN(n int) int {
	var b [1]byte
	for {
		_, _ = rand.Read(b[:])
		if limit := 256 - 256%n; int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// area is a pincode the demo uses, with its locality.
type area struct {
	postal.Area
	locality string
}

// demoAreas are the pincodes of the demo's Divisions that the directory has under them.
func demoAreas(dir *postal.Directory) (map[string][]area, error) {
	out := map[string][]area{}
	for _, div := range Divisions {
		d, ok := dir.Division(div)
		if !ok || d.Region != Region || d.Circle != Circle {
			return nil, fmt.Errorf("demo: the postal directory has no %s under %s, %s", div, Region, Circle)
		}
		pincodes := make([]string, 0, len(localities[div]))
		for p := range localities[div] {
			pincodes = append(pincodes, p)
		}
		slices.Sort(pincodes) // map order would make a seed give other data on each run
		for _, p := range pincodes {
			if a, err := dir.Lookup(p); err == nil && a.Division == div {
				out[div] = append(out[div], area{Area: a, locality: localities[div][p]})
			}
		}
		if len(out[div]) < 5 {
			return nil, fmt.Errorf("demo: the postal directory has only %d of the demo's pincodes in %s", len(out[div]), div)
		}
	}
	return out, nil
}

// activeServices are the codes of the services customers may ask for now.
func activeServices(ctx context.Context, st interface {
	Services(ctx context.Context) ([]request.Service, error)
}) ([]string, error) {
	all, err := st.Services(ctx)
	if err != nil {
		return nil, err
	}
	var codes []string
	for _, s := range all {
		if s.Active {
			codes = append(codes, s.Code)
		}
	}
	if len(codes) == 0 {
		return nil, errors.New("demo: no service of the catalogue is active")
	}
	return codes, nil
}

// save submits one planned request and applies its changes in order.
func save(ctx context.Context, st Store, p planned) (request.Request, error) {
	res, err := st.Submit(ctx, store.Submission{Request: p.request, NewReference: request.NewReference,
		DuplicateSince: p.request.CreatedAt.Add(-request.DuplicateWindow)})
	if err != nil {
		return request.Request{}, fmt.Errorf("demo: submit: %w", err)
	}
	if res.Duplicate {
		return request.Request{}, nil // the plan avoids these; one would only be a repeat
	}
	r := res.Request
	for _, c := range p.changes {
		ch, err := r.CheckChange(c.change)
		if err != nil {
			return request.Request{}, fmt.Errorf("demo: planned change of %s: %w", r.Reference, err)
		}
		changed, err := st.ChangeStatus(ctx, store.StatusChange{RequestID: r.ID, From: r.Status, Change: ch, Actor: c.actor, At: c.at})
		if err != nil {
			return request.Request{}, fmt.Errorf("demo: change %s: %w", r.Reference, err)
		}
		r = changed
	}
	return r, nil
}
