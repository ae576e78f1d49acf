package demo

import (
	"fmt"
	"hash/fnv"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/request"
)

// planned is one request to submit and the changes staff (or its customer) made to it.
type planned struct {
	request request.Request
	changes []plannedChange
}

type plannedChange struct {
	change request.Change
	actor  string
	at     time.Time
}

// customer is a made-up person; some ask for more than one service.
type customer struct {
	name, email, mobile string
	language            request.Language
	address             string
	area                area
	services            map[string]bool // asked for already: the same again would be a duplicate
}

// generator makes the demo's requests from its seeded source.
type generator struct {
	rng       *mrand.Rand
	now       time.Time
	areas     map[string][]area
	services  []string
	mobiles   map[string]bool
	customers []*customer
}

func pick[T any](rng *mrand.Rand, list []T) T { return list[rng.IntN(len(list))] }

func (g *generator) chance(percent int) bool { return g.rng.IntN(100) < percent }

// between is a duration drawn uniformly from [lo, hi).
func (g *generator) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.rng.Int64N(int64(hi-lo)))
}

// outcome is where a share of requests end up.
type outcome struct {
	status  request.Status
	percent int
}

// outcomes are where requests end up, in percent, had they all the time they need; recent
// ones are cut short by the present and are still open.
var outcomes = []outcome{
	{request.StatusCompleted, 68},
	{request.StatusNotServiceable, 10},
	{request.StatusCancelled, 9},
	{request.StatusInProgress, 8},
	{request.StatusSubmitted, 5},
}

// plan makes n requests, oldest first. The first few end in each status in turn and are a
// week or more old, so that every status is there whatever the seed.
func (g *generator) plan(n int) ([]planned, error) {
	out := make([]planned, 0, n)
	for i := range n {
		outcome, minDays := drawOutcome(g.rng, outcomes), 0
		if i < len(outcomes) {
			outcome, minDays = outcomes[i].status, 7
		}
		c := g.customer()
		service := g.service(c)
		if service == "" { // this customer asked for everything already
			c = g.newCustomer()
			service = g.service(c)
		}
		c.services[service] = true
		sub, errs := request.Submission{Name: c.name, Address: c.address, Pincode: c.area.Pincode, Email: c.email, Mobile: c.mobile,
			Service: service, Details: g.details(service), Language: string(c.language)}.Normalize()
		if len(errs) > 0 {
			return nil, fmt.Errorf("demo: a made-up request is invalid: %v", errs)
		}
		a := c.area
		r := request.Request{ServiceCode: sub.Service, Name: sub.Name, Address: sub.Address, Pincode: sub.Pincode,
			Email: sub.Email, Mobile: sub.Mobile, Details: sub.Details, Language: request.Language(sub.Language),
			Division: a.Division, Region: a.Region, Circle: a.Circle, District: a.District, State: a.State,
			CreatedAt: g.createdAt(minDays)}
		out = append(out, planned{request: r, changes: g.history(outcome, r.CreatedAt, localStaff(a))})
	}
	slices.SortStableFunc(out, func(a, b planned) int { return a.request.CreatedAt.Compare(b.request.CreatedAt) })
	return out, nil
}

// details are what the customer typed in the optional field, often nothing.
func (g *generator) details(service string) string {
	if len(details[service]) == 0 || g.chance(40) {
		return ""
	}
	return pick(g.rng, details[service])
}

// outcome draws where a request ends up from table.
func drawOutcome(rng *mrand.Rand, table []outcome) request.Status {
	return table[weighted(rng, len(table), func(i int) int { return table[i].percent })].status
}

// weighted draws one of 0 to n-1, each as likely as its weight; -1 if all weigh nothing.
func weighted(rng *mrand.Rand, n int, weight func(i int) int) int {
	total := 0
	for i := range n {
		total += weight(i)
	}
	if total == 0 {
		return -1
	}
	r := rng.IntN(total)
	for i := range n {
		if r -= weight(i); r < 0 {
			return i
		}
	}
	return -1
}

// customer is someone who asked before (one request in eight) or a new person.
func (g *generator) customer() *customer {
	if len(g.customers) > 20 && g.chance(12) {
		return pick(g.rng, g.customers)
	}
	return g.newCustomer()
}

func (g *generator) newCustomer() *customer {
	a := pick(g.rng, g.areas[pick(g.rng, Divisions)])
	c := &customer{area: a, language: request.English, services: map[string]bool{}}
	var local string
	if g.chance(10) {
		h := pick(g.rng, hindiNames)
		c.name, local, c.language = h.name, h.email, request.Hindi
	} else {
		given, surname := g.person()
		c.name = given + " " + surname
		if g.chance(15) { // the South Indian initial: "K. Manjunath"
			c.name = surname[:1] + ". " + given
		}
		local = strings.ToLower(strings.NewReplacer("'", "", " ", ".").Replace(given + " " + surname))
	}
	if g.chance(60) {
		local += fmt.Sprint(g.rng.IntN(100))
	}
	c.email = local + "@" + pick(g.rng, mailDomains)
	for c.mobile == "" || g.mobiles[c.mobile] {
		c.mobile = fmt.Sprintf("%d%09d", 6+g.rng.IntN(4), g.rng.IntN(1_000_000_000))
	}
	g.mobiles[c.mobile] = true
	c.address = fmt.Sprintf(pick(g.rng, houses), 1+g.rng.IntN(350)) + ", " + pick(g.rng, streets) + ", " + a.locality + ", Bengaluru"
	if g.chance(30) {
		c.address += "\n" + pick(g.rng, landmarks)
	}
	g.customers = append(g.customers, c)
	return c
}

// person draws a given name and a surname that go together.
func (g *generator) person() (string, string) {
	p := people[weighted(g.rng, len(people), func(i int) int { return people[i].weight })]
	return pick(g.rng, p.given), pick(g.rng, p.surnames)
}

// service draws a service the customer has not asked for yet, by how often each is asked
// for; "" if none is left.
func (g *generator) service(c *customer) string {
	i := weighted(g.rng, len(g.services), func(i int) int {
		if c.services[g.services[i]] {
			return 0
		}
		return max(serviceWeights[g.services[i]], 1)
	})
	if i < 0 {
		return ""
	}
	return g.services[i]
}

// createdAt is a moment of the last 30 days, at least minDays before today, when people
// submit: mostly mornings and evenings, fewer at weekends.
func (g *generator) createdAt(minDays int) time.Time {
	l := g.now.In(request.IST)
	today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, request.IST)
	// Relative weights of the hours from 7:00 to 22:00.
	hours := []int{2, 6, 10, 12, 12, 10, 8, 7, 7, 8, 9, 8, 6, 4, 2}
	for {
		day := today.AddDate(0, 0, -(minDays + g.rng.IntN(30-minDays)))
		if w := day.Weekday(); w == time.Sunday && g.chance(60) || w == time.Saturday && g.chance(20) {
			continue
		}
		hour := 7 + weighted(g.rng, len(hours), func(i int) int { return hours[i] })
		t := day.Add(time.Duration(hour)*time.Hour + time.Duration(g.rng.IntN(3600))*time.Second)
		if t.Before(g.now.Add(-time.Minute)) && !t.Before(g.now.Add(-Period)) {
			return t.UTC().Truncate(time.Millisecond)
		}
	}
}

// officeTime moves t forward into a Division's working hours: 9:30 to 18:00 IST, Monday to
// Saturday.
func (g *generator) officeTime(t time.Time) time.Time {
	l := t.In(request.IST)
	open := time.Date(l.Year(), l.Month(), l.Day(), 9, 30, 0, 0, request.IST)
	switch {
	case l.Before(open):
		l = open.Add(g.between(0, 90*time.Minute))
	case !l.Before(open.Add(8*time.Hour + 30*time.Minute)):
		l = open.AddDate(0, 0, 1).Add(g.between(0, 90*time.Minute))
	}
	if l.Weekday() == time.Sunday {
		l = l.AddDate(0, 0, 1)
	}
	return l.UTC().Truncate(time.Millisecond)
}

// path is a request's changes as they are planned; the first that would fall after now ends
// it, and the request stays where it was.
type path struct {
	g       *generator
	last    time.Time
	changes []plannedChange
	stopped bool
}

func (p *path) add(ch request.Change, actor string, at time.Time) {
	if p.stopped || !at.After(p.last) || !at.Before(p.g.now) {
		p.stopped = true
		return
	}
	p.changes = append(p.changes, plannedChange{change: ch, actor: actor, at: at})
	p.last = at
}

// byStaff is a change the Division makes within working hours, lo to hi after the last one.
func (p *path) byStaff(ch request.Change, actor string, lo, hi time.Duration) {
	p.add(ch, actor, p.g.officeTime(p.last.Add(p.g.between(lo, hi))))
}

// Remarks staff pick from request.StandardRemarks.
const (
	remarkDone         = "Service provided at doorstep"
	remarkNotAvailable = "Customer not available"
	remarkNoAnswer     = "Customer did not answer the phone"
	remarkNoAddress    = "Address not traceable"
	remarkNoService    = "Service not available in this area"
	remarkCancel       = "Customer asked to cancel"
	remarkWillVisit    = "Customer will visit the post office"
	remarkNoDocuments  = "Documents not ready with the customer"
	// remarkByCustomer is what the desk writes when customers cancel with a code.
	remarkByCustomer = "Cancelled by the customer"
)

// staffing is who works a request: its Division's account, the actor of the Division's
// changes, and the two postmen of its beat as the assignment names them ("Postman Ravi
// Kumar S, Indiranagar S.O"), its own first.
type staffing struct {
	actor   string
	postmen [2]string
}

// localStaff is the staffing of a demo area: each locality's post office has two postmen of
// its own, so that the run sheet shows the same names at the same office, as a Division's
// would.
func localStaff(a area) staffing {
	staffOf := postmen[a.Division]
	beat := localityBeat(a.locality, len(staffOf))
	s := staffing{actor: divisionUser(a.Division)}
	for i := range s.postmen {
		s.postmen[i] = fmt.Sprintf("Postman %s, %s S.O", staffOf[(beat+i)%len(staffOf)], a.locality)
	}
	return s
}

// backlogPercent of requests wait in a Division's queue for days before anyone is sent:
// the slow tail of real completion times.
const backlogPercent = 8

// history plans the changes that take a request created at created to outcome, as the
// Division (and sometimes the customer) would have made them.
func (g *generator) history(outcome request.Status, created time.Time, s staffing) []plannedChange {
	actor, postman := s.actor, 0
	assign := func() request.Change {
		return request.Change{To: request.StatusInProgress, AssignedTo: s.postmen[postman]}
	}
	// A postman who found no one gives the request back; the other goes the next day.
	reassign := func() request.Change {
		postman = 1 - postman
		ch := assign()
		ch.Remarks = pick(g.rng, []string{remarkNotAvailable, remarkNoAnswer})
		return ch
	}
	p := &path{g: g, last: created}
	// The first look at a request: the same day or the next, or days later from a backlog.
	firstLo, firstHi := 30*time.Minute, 20*time.Hour
	if g.chance(backlogPercent) {
		firstLo, firstHi = 2*24*time.Hour, 6*24*time.Hour
	}
	switch outcome {
	case request.StatusInProgress:
		p.byStaff(assign(), actor, firstLo, firstHi)
		if g.chance(20) {
			p.byStaff(reassign(), actor, 3*time.Hour, 28*time.Hour)
		}
	case request.StatusCompleted:
		p.byStaff(assign(), actor, firstLo, firstHi)
		if g.chance(15) {
			p.byStaff(reassign(), actor, 3*time.Hour, 28*time.Hour)
		}
		p.byStaff(request.Change{To: request.StatusCompleted, Remarks: remarkDone}, actor, time.Hour, 30*time.Hour)
	case request.StatusNotServiceable:
		if g.chance(40) { // seen to at the desk: nothing to send anyone for
			p.byStaff(request.Change{To: request.StatusNotServiceable, Remarks: pick(g.rng, []string{remarkNoService, remarkNoAddress})},
				actor, time.Hour, 24*time.Hour)
			break
		}
		p.byStaff(assign(), actor, firstLo, firstHi)
		p.byStaff(request.Change{To: request.StatusNotServiceable,
			Remarks: pick(g.rng, []string{remarkNoAddress, remarkNotAvailable, remarkNoDocuments, remarkWillVisit})}, actor, time.Hour, 30*time.Hour)
	case request.StatusCancelled:
		if g.chance(50) {
			p.byStaff(assign(), actor, firstLo, firstHi)
			p.byStaff(request.Change{To: request.StatusCancelled, Remarks: remarkCancel}, actor, time.Hour, 24*time.Hour)
			break
		}
		if g.chance(40) {
			p.byStaff(assign(), actor, firstLo, firstHi)
		}
		// Customers cancel at any hour.
		p.add(request.Change{To: request.StatusCancelled, Remarks: remarkByCustomer}, audit.Customer,
			p.last.Add(g.between(10*time.Minute, 20*time.Hour)).Truncate(time.Millisecond))
	}
	return p.changes
}

// localityBeat is a stable index in [0, n) for a locality.
func localityBeat(locality string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(locality))
	return int(h.Sum32() % uint32(n))
}
