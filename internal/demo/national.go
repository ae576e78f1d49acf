package demo

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// Fill makes demo data at national scale (doorstep demo-data): any number of requests over
// the last days, in all the Divisions of the directory, loaded in bulk (store.Loader) with
// the dashboard's counters. No accounts are made and nothing is sent.

// Limits and defaults of Fill.
const (
	DefaultDays  = 90
	MaxDays      = 366
	DefaultBatch = 50000 // requests a transaction: big enough to write fast, small enough to show progress
)

// ErrHasRequests: the database already has requests, and Fill was not told to add to them.
var ErrHasRequests = errors.New("the database already has requests")

// FillOptions say what Fill makes.
type FillOptions struct {
	Requests int
	Days     int       // the period, ending at Now; 0: DefaultDays
	Now      time.Time // zero: the wall clock
	// Seed makes the same requests again (but for their references, always random); 0
	// draws one.
	Seed uint64
	// Append allows adding to a database that has requests already (ErrHasRequests
	// otherwise).
	Append   bool
	Batch    int              // requests a LoadRequests call; 0: DefaultBatch
	Progress func(loaded int) // told after each batch, if not nil
}

// FillStore is what Fill needs.
type FillStore interface {
	store.Loader
	Services(ctx context.Context) ([]request.Service, error)
	DeskCounts(ctx context.Context, q store.DeskQuery, limit int) (map[request.Status]int, error)
	Audit(ctx context.Context, e audit.Entry) error
}

// FillResult is what Fill made.
type FillResult struct {
	Requests   int
	ByStatus   map[request.Status]int
	ByDivision map[string]int
	Seed       uint64
}

// Fill loads opts.Requests made-up requests into st.
func Fill(ctx context.Context, st FillStore, dir *postal.Directory, opts FillOptions) (FillResult, error) {
	if opts.Days == 0 {
		opts.Days = DefaultDays
	}
	if opts.Requests < 1 || opts.Days < 1 || opts.Days > MaxDays {
		return FillResult{}, fmt.Errorf("demo: %d requests over %d days: want at least one request, over 1 to %d days", opts.Requests, opts.Days, MaxDays)
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	opts.Now = opts.Now.UTC().Truncate(time.Millisecond)
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.Seed == 0 {
		opts.Seed = mrand.Uint64() | 1
	}
	if !opts.Append {
		counts, err := st.DeskCounts(ctx, store.DeskQuery{}, 1)
		if err != nil {
			return FillResult{}, err
		}
		if len(counts) > 0 {
			return FillResult{}, ErrHasRequests
		}
	}
	services, err := activeServices(ctx, st)
	if err != nil {
		return FillResult{}, err
	}
	n := newNational(dir, services, opts)

	res := FillResult{ByStatus: map[request.Status]int{}, ByDivision: map[string]int{}, Seed: opts.Seed}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []request.Request, 2) // made while the one before is written
	made := make(chan error, 1)
	go func() {
		defer close(batches)
		made <- n.make(ctx, batches)
	}()
	for batch := range batches {
		if err := st.LoadRequests(ctx, batch, request.NewReference); err != nil {
			cancel()
			for range batches { // let the maker stop
			}
			return res, fmt.Errorf("demo: load: %w", err)
		}
		for _, r := range batch {
			res.ByStatus[r.Status]++
			res.ByDivision[r.Division]++
		}
		res.Requests += len(batch)
		if opts.Progress != nil {
			opts.Progress(res.Requests)
		}
	}
	if err := <-made; err != nil {
		return res, err
	}
	details := fmt.Sprintf("%d made-up requests over the %d days before %s, in %d Divisions (seed %d)",
		res.Requests, opts.Days, opts.Now.In(request.IST).Format("2006-01-02 15:04 MST"), len(res.ByDivision), opts.Seed)
	return res, st.Audit(ctx, audit.Entry{At: time.Now(), Actor: audit.System, Role: "admin", IP: "local", Action: "demo_data", Details: details})
}

// place is a Division where requests are made, with its pincodes.
type place struct {
	name   string
	areas  []postal.Area
	weight int
	actor  string
	pool   *namePool
	recent []*nationalCustomer // who may ask again
}

// nationalCustomer is a made-up person who may ask for more than one service.
type nationalCustomer struct {
	name, email, mobile, address string
	language                     request.Language
	area                         postal.Area
	asked                        uint64 // services asked for, by their index
}

// national makes the requests of Fill.
type national struct {
	rng      *mrand.Rand
	g        *generator // histories: the demo's workflow, at national scale
	opts     FillOptions
	places   []*place
	services []string
	weights  []int // of services, by index
	start    time.Time
	// mobiles are drawn without repeats: the i-th customer's is a permutation of i.
	customers uint64
}

func newNational(dir *postal.Directory, services []string, opts FillOptions) *national {
	rng := mrand.New(mrand.NewPCG(opts.Seed, opts.Seed>>1|1))
	n := &national{rng: rng, g: &generator{rng: rng, now: opts.Now}, opts: opts, services: services,
		start: opts.Now.Add(-time.Duration(opts.Days) * 24 * time.Hour)}
	for _, s := range services {
		n.weights = append(n.weights, max(serviceWeights[s], 1))
	}
	byName := map[string]*place{}
	for _, d := range dir.Divisions() {
		p := &place{name: d.Name, actor: nationalUser(d.Name)}
		byName[d.Name] = p
		n.places = append(n.places, p)
	}
	for _, pin := range dir.Pincodes() { // sorted: a seed makes the same data
		a, _ := dir.Lookup(pin)
		if p := byName[a.Division]; p != nil {
			p.areas = append(p.areas, a)
		}
	}
	for _, p := range n.places {
		p.weight = len(p.areas)
		if isMetro(p.name) {
			p.weight *= metroWeight
		}
		if len(p.areas) > 0 {
			p.pool = poolOf[p.areas[0].State]
		}
		if p.pool == nil {
			p.pool = &hindiBelt
		}
	}
	return n
}

// isMetro reports whether a Division serves one of the metroCities (not the country around
// one, such as Pune Moffusil Division).
func isMetro(division string) bool {
	return !strings.Contains(division, "Moffusil") && slices.ContainsFunc(metroCities, func(c string) bool {
		return strings.Contains(division, c)
	})
}

// nationalUser is the username a Division's staff change requests under: its name in lower
// case, without "Division", with dots for spaces ("new.delhi.gpo"), as the demo's own.
func nationalUser(division string) string {
	name := strings.ToLower(division)
	name = strings.TrimSuffix(strings.TrimSuffix(name, " division"), " dv")
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-':
			if s := b.String(); s != "" && !strings.HasSuffix(s, ".") {
				b.WriteByte('.')
			}
		}
	}
	return strings.Trim(b.String(), ".")
}

// divisionQuota shares n requests out among the places: one each first (when there are
// enough), so that every Division has some, then the rest drawn by weight.
func (n *national) divisionQuota(total int) []int {
	quota := make([]int, len(n.places))
	rest := total
	if total >= len(n.places) {
		for i := range quota {
			quota[i] = 1
		}
		rest -= len(n.places)
	}
	cumulative := make([]int, len(n.places))
	sum := 0
	for i, p := range n.places {
		sum += p.weight
		cumulative[i] = sum
	}
	for range rest {
		i, _ := slices.BinarySearch(cumulative, n.rng.IntN(sum)+1)
		quota[i]++
	}
	return quota
}

// hourWeights are how many requests come in each IST hour of a day, relatively: the app
// takes them at night too, but most come in the morning and the early evening.
var hourWeights = [24]int{2, 1, 1, 1, 2, 5, 15, 20, 60, 100, 120, 120, 100, 80, 70, 70, 80, 90, 80, 60, 40, 20, 15, 8}

// dayWeight is how busy a day is, in percent of a working day: fewer at weekends, and every
// day a little busier or quieter than the last.
func (n *national) dayWeight(day time.Time) int {
	w := 100
	switch day.Weekday() {
	case time.Saturday:
		w = 75
	case time.Sunday:
		w = 35
	}
	return w * (85 + n.rng.IntN(31)) / 100
}

// slot is an hour of the period (cut at its ends) with how many requests it gets.
type slot struct {
	from, to time.Time
	weight   int
	requests int
}

// slots are the hours of the period, oldest first, with their share of total requests.
func (n *national) slots(total int) []slot {
	startIST := n.start.In(request.IST)
	day := time.Date(startIST.Year(), startIST.Month(), startIST.Day(), 0, 0, 0, 0, request.IST)
	var out []slot
	for ; day.Before(n.opts.Now); day = day.AddDate(0, 0, 1) {
		dw := n.dayWeight(day)
		for h := range 24 {
			from := day.Add(time.Duration(h) * time.Hour)
			to := from.Add(time.Hour)
			from, to = later(from, n.start), earlier(to, n.opts.Now)
			if !from.Before(to) {
				continue
			}
			// Weights in thousandths of an hour's, for the cut hours at the ends.
			out = append(out, slot{from: from, to: to, weight: dw * hourWeights[h] * int(to.Sub(from)/(3600*time.Millisecond)) / 1000})
		}
	}
	cumulative := make([]int, len(out))
	sum := 0
	for i, s := range out {
		sum += s.weight
		cumulative[i] = sum
	}
	for range total {
		i, _ := slices.BinarySearch(cumulative, n.rng.IntN(sum)+1)
		out[i].requests++
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// make sends the requests to out in batches, oldest first: batches then add to the
// counters of a few days each, not to all of them.
func (n *national) make(ctx context.Context, out chan<- []request.Request) error {
	total := n.opts.Requests
	quota := n.divisionQuota(total)
	// Which Division each request in turn is in: every Division's quota, shuffled.
	order := make([]uint16, 0, total)
	for i, q := range quota {
		for range q {
			order = append(order, uint16(i))
		}
	}
	n.rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })

	batch := make([]request.Request, 0, n.opts.Batch)
	next := 0
	var times []time.Time
	for _, s := range n.slots(total) {
		times = times[:0]
		for range s.requests {
			times = append(times, s.from.Add(time.Duration(n.rng.Int64N(int64(s.to.Sub(s.from))))).Truncate(time.Millisecond))
		}
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		for _, at := range times {
			r, err := n.request(n.places[order[next]], at)
			if err != nil {
				return err
			}
			next++
			batch = append(batch, r)
			if len(batch) == n.opts.Batch {
				select {
				case out <- batch:
				case <-ctx.Done():
					return ctx.Err()
				}
				batch = make([]request.Request, 0, n.opts.Batch)
			}
		}
	}
	if len(batch) > 0 {
		select {
		case out <- batch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// request makes one request of place p created at created, with its history up to now.
func (n *national) request(p *place, created time.Time) (request.Request, error) {
	c, service := n.customer(p)
	sub, errs := request.Submission{Name: c.name, Address: c.address, Pincode: c.area.Pincode, Email: c.email, Mobile: c.mobile,
		Service: service, Details: n.g.details(service), Language: string(c.language)}.Normalize()
	if len(errs) > 0 {
		return request.Request{}, fmt.Errorf("demo: a made-up request is invalid: %v", errs)
	}
	a := c.area
	r := request.Request{ServiceCode: sub.Service, Name: sub.Name, Address: sub.Address, Pincode: sub.Pincode,
		Email: sub.Email, Mobile: sub.Mobile, Details: sub.Details, Language: request.Language(sub.Language),
		Division: a.Division, Region: a.Region, Circle: a.Circle, District: a.District, State: a.State,
		CreatedAt: created, Status: request.StatusSubmitted, UpdatedAt: created}
	r.History = []request.Event{{Status: request.StatusSubmitted, At: created}}
	for _, ch := range n.g.history(drawOutcome(n.rng, nationalOutcomes), created, n.staffing(p, a)) {
		r.History = append(r.History, request.Event{Status: ch.change.To, At: ch.at, Remarks: ch.change.Remarks,
			Actor: ch.actor, AssignedTo: ch.change.AssignedTo})
		r.Status, r.UpdatedAt = ch.change.To, ch.at
		if ch.change.AssignedTo != "" {
			r.AssignedTo = ch.change.AssignedTo
		}
	}
	return r, nil
}

// customer is someone of p who asked before (one request in ten) and now asks for another
// service, or a new person; with the service they ask for.
func (n *national) customer(p *place) (*nationalCustomer, string) {
	if len(p.recent) > 0 && n.g.chance(10) {
		c := p.recent[n.rng.IntN(len(p.recent))]
		if s := n.service(c.asked); s >= 0 {
			c.asked |= 1 << s
			return c, n.services[s]
		}
	}
	c := n.newCustomer(p)
	s := n.service(0)
	c.asked = 1 << s
	// The last few customers of each Division may come back.
	const keep = 16
	if len(p.recent) < keep {
		p.recent = append(p.recent, c)
	} else {
		p.recent[n.rng.IntN(keep)] = c
	}
	return c, n.services[s]
}

// service draws a service not among asked (bits by index), by how often each is asked for;
// -1 if none is left.
func (n *national) service(asked uint64) int {
	return weighted(n.rng, len(n.services), func(i int) int {
		if asked&(1<<i) != 0 {
			return 0
		}
		return n.weights[i]
	})
}

// mobileSpan is how many mobile numbers there are: ten digits starting with 6 to 9.
const mobileSpan = 4_000_000_000

func (n *national) newCustomer(p *place) *nationalCustomer {
	a := p.areas[n.rng.IntN(len(p.areas))]
	c := &nationalCustomer{area: a, language: request.English}
	// Multiplying by a number prime to the span permutes the numbers below it: no two
	// customers of one fill share a mobile, and they do not look sequential.
	const multiplier = 2_654_435_761
	n.customers++
	c.mobile = fmt.Sprint(6_000_000_000 + (n.customers+n.opts.Seed%mobileSpan)%mobileSpan*multiplier%mobileSpan)
	hindi := n.g.chance(3)
	if hindiStates[a.State] {
		hindi = n.g.chance(33)
	}
	var local string
	switch {
	case hindi && n.g.chance(40):
		h := pick(n.rng, hindiNames)
		c.name, local = h.name, h.email
	default:
		pool := p.pool
		if n.g.chance(14) {
			pool = &muslimNames
		}
		given, surname := pick(n.rng, pool.given), pick(n.rng, pool.surnames)
		c.name = given + " " + surname
		local = strings.ToLower(strings.NewReplacer("'", "", " ", ".").Replace(c.name))
	}
	if hindi {
		c.language = request.Hindi
	}
	if n.g.chance(60) {
		local += fmt.Sprint(n.rng.IntN(100))
	}
	c.email = local + "@" + pick(n.rng, mailDomains)
	c.address = fmt.Sprintf(pick(n.rng, nationalHouses), 1+n.rng.IntN(400)) + ", " + pick(n.rng, nationalStreets) + ", " + town(a)
	if n.g.chance(30) {
		c.address += "\n" + pick(n.rng, nationalLandmarks)
	}
	return c
}

// town is the place an address names: its district, as people write it ("Agra"), or the
// Division's.
func town(a postal.Area) string {
	name := a.District
	if name == "" {
		name = strings.TrimSuffix(a.Division, " Division")
	}
	words := strings.Fields(strings.ToLower(name))
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// staffing is who works a request of pincode a: its Division's account, and the two postmen
// of the pincode's beat, the same for every request there (drawn from the names of the
// state, by a hash of the pincode).
func (n *national) staffing(p *place, a postal.Area) staffing {
	h := fnv.New64a()
	h.Write([]byte(a.Pincode))
	sum := h.Sum64()
	s := staffing{actor: p.actor}
	office := town(a) + " " + a.Pincode
	given, surnames := uint64(len(p.pool.given)), uint64(len(p.pool.surnames))
	first := sum % given
	second := (first + 1 + (sum>>16)%(given-1)) % given // another given name: two people
	for i, g := range []uint64{first, second} {
		s.postmen[i] = fmt.Sprintf("Postman %s %s, %s", p.pool.given[g], p.pool.surnames[(sum>>(32+8*i))%surnames], office)
	}
	return s
}
