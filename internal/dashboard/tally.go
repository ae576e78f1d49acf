package dashboard

import (
	"cmp"
	"slices"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
)

// The counters. Every change to a request adds to them in the transaction of the change, at
// each level of the hierarchy it lies in (Division, Region, Circle, nation), so that a view
// of any unit over any period reads a number of rows that depends on the period and the
// units shown, not on the number of requests:
//   - per IST day, unit and service: requests received that day, requests completed, found
//     not serviceable and cancelled that day, and the histogram of the completed ones' times
//     from submission;
//   - the same per IST day and unit for all services together (service AllServices), for
//     every unit but the nation: a view reads these for the units one level down, a row per
//     unit and day instead of one per service;
//   - per IST hour of submission, unit and service: how many of the requests submitted then
//     are still open. Ages and overdue flags follow from the hour and the clock.

// AllServices is the service of the daily rows that count all services of a unit together.
const AllServices = ""

// addDays adds c to the day's rows of unit: its service's and, below the nation, the one
// of all services.
func (t *Tally) addDays(unit string, day Day, service string, c DayCounts) {
	t.addDay(DayKey{unit, day, service}, c)
	if unit != India.Key() {
		t.addDay(DayKey{unit, day, AllServices}, c)
	}
}

// DayKey names one row of the daily counters.
type DayKey struct {
	Unit    string // Unit.Key
	Day     Day
	Service string
}

// DayCounts are the daily counters of one row (or what a change adds to them).
type DayCounts struct {
	Received, Completed, NotServiceable, Cancelled int64
	// Completion counts the completed requests' times from submission, by bucket.
	Completion Histogram
}

// add adds o to c.
func (c *DayCounts) add(o DayCounts) {
	c.Received += o.Received
	c.Completed += o.Completed
	c.NotServiceable += o.NotServiceable
	c.Cancelled += o.Cancelled
	c.Completion = c.Completion.Add(o.Completion)
}

// IsZero reports whether the row counts nothing.
func (c DayCounts) IsZero() bool {
	return c.Received == 0 && c.Completed == 0 && c.NotServiceable == 0 && c.Cancelled == 0 && c.Completion.Total() == 0
}

// DayRow is one row of the daily counters.
type DayRow struct {
	DayKey
	DayCounts
}

// OpenKey names one row of the open counters.
type OpenKey struct {
	Unit    string
	Hour    Hour // of submission
	Service string
}

// OpenRow is one row of the open counters.
type OpenRow struct {
	OpenKey
	Open int64
}

// Tally gathers what changes add to the counters, to be written with them. The zero value
// is empty and ready.
type Tally struct {
	days map[DayKey]*DayCounts
	open map[OpenKey]int64
	// openDays are the stored per-day sums of the open counters (AddOpenDays), which
	// Compare checks too; nil for a recount, whose per-day sums are OpenDays.
	openDays map[openDayKey]int64
}

func (t *Tally) addDay(k DayKey, c DayCounts) {
	if t.days == nil {
		t.days = map[DayKey]*DayCounts{}
	}
	if row := t.days[k]; row != nil {
		row.add(c)
		return
	}
	c.Completion = slices.Clone(c.Completion)
	t.days[k] = &c
}

func (t *Tally) addOpen(k OpenKey, n int64) {
	if t.open == nil {
		t.open = map[OpenKey]int64{}
	}
	t.open[k] += n
}

// Submitted counts a new request: received on its day, open in its hour.
func (t *Tally) Submitted(r request.Request) {
	for _, unit := range keysOf(r.Division, r.Region, r.Circle) {
		t.addDays(unit, DayOf(r.CreatedAt), r.ServiceCode, DayCounts{Received: 1})
		t.addOpen(OpenKey{unit, HourOf(r.CreatedAt), r.ServiceCode}, 1)
	}
}

// Closed counts an open request r (as it was: its creation time and unit) that became final
// status to at time at. A move between open statuses counts nothing.
func (t *Tally) Closed(r request.Request, to request.Status, at time.Time) {
	c, final := closing(r.CreatedAt, to, at)
	if !final {
		return
	}
	for _, unit := range keysOf(r.Division, r.Region, r.Circle) {
		t.addDays(unit, DayOf(at), r.ServiceCode, c)
		t.addOpen(OpenKey{unit, HourOf(r.CreatedAt), r.ServiceCode}, -1)
	}
}

// closing is what a request created at created that became status to at time at counts on
// the day of at; final is false for an open status, which counts nothing.
func closing(created time.Time, to request.Status, at time.Time) (c DayCounts, final bool) {
	switch to {
	case request.StatusCompleted:
		c.Completed = 1
		c.Completion = Histogram{}.Count(BucketOf(at.Sub(created)), 1)
	case request.StatusNotServiceable:
		c.NotServiceable = 1
	case request.StatusCancelled:
		c.Cancelled = 1
	default:
		return c, false
	}
	return c, true
}

// Empty reports whether the tally adds nothing.
func (t *Tally) Empty() bool { return len(t.days) == 0 && len(t.open) == 0 }

// Merge adds o's counts to t.
func (t *Tally) Merge(o *Tally) {
	for k, c := range o.days {
		t.addDay(k, *c)
	}
	for k, n := range o.open {
		t.addOpen(k, n)
	}
}

// Days are the daily rows, in key order: writers lock rows in this order, so that two
// transactions adding to the same rows cannot each wait for the other.
func (t *Tally) Days() []DayRow {
	rows := make([]DayRow, 0, len(t.days))
	for k, c := range t.days {
		rows = append(rows, DayRow{k, DayCounts{c.Received, c.Completed, c.NotServiceable, c.Cancelled, c.Completion.Trimmed()}})
	}
	slices.SortFunc(rows, func(a, b DayRow) int {
		return cmp.Or(cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.Day, b.Day), cmp.Compare(a.Service, b.Service))
	})
	return rows
}

// Open are the open rows, in key order (see Days).
func (t *Tally) Open() []OpenRow {
	rows := make([]OpenRow, 0, len(t.open))
	for k, n := range t.open {
		rows = append(rows, OpenRow{k, n})
	}
	slices.SortFunc(rows, func(a, b OpenRow) int {
		return cmp.Or(cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.Hour, b.Hour), cmp.Compare(a.Service, b.Service))
	})
	return rows
}

// OpenDayRow is the open counters of one unit and service summed over an IST day of
// submission. A view reads these for the whole days before a bound and the hourly rows only
// within the bound's own day, so that its cost does not grow with the hours a backlog spans.
type OpenDayRow struct {
	Unit    string
	Day     Day
	Service string
	Open    int64
}

// AllDays is the day of the open rows that sum all days of submission of a unit and
// service: what is open now. A view reads these and the days from its earliest bound on, so
// that how far back a backlog goes costs it nothing. No request is submitted on day -1.
const AllDays Day = -1

// OpenDays are the open rows summed per day, and over all days (AllDays), in key order
// (see Days). Writers add them after the hourly rows, so that every transaction locks rows
// in one order.
func (t *Tally) OpenDays() []OpenDayRow {
	type key struct {
		unit    string
		day     Day
		service string
	}
	sums := map[key]int64{}
	for k, n := range t.open {
		sums[key{k.Unit, k.Hour.Day(), k.Service}] += n
		sums[key{k.Unit, AllDays, k.Service}] += n
	}
	rows := make([]OpenDayRow, 0, len(sums))
	for k, n := range sums {
		rows = append(rows, OpenDayRow{k.unit, k.day, k.service, n})
	}
	slices.SortFunc(rows, func(a, b OpenDayRow) int {
		return cmp.Or(cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.Day, b.Day), cmp.Compare(a.Service, b.Service))
	})
	return rows
}

// Raw is what a recount reads of each request: enough to count it as Submitted and Closed.
type Raw struct {
	Service                  string
	Division, Region, Circle string
	Status                   request.Status
	CreatedAt                time.Time
	// ClosedAt is when it reached a final status: its last change (requests.updated_at),
	// since a final status never changes.
	ClosedAt time.Time
}

// Recount adds a request as the counters should have it: what Submitted and then Closed
// add, but without the open counter that they add to and take from again. A recount of
// millions of closed requests would otherwise hold (and a repair write) a zero for nearly
// every hour of every unit and service; a zero and no row are the same count.
func (t *Tally) Recount(r Raw) {
	c, final := closing(r.CreatedAt, r.Status, r.ClosedAt)
	for _, unit := range keysOf(r.Division, r.Region, r.Circle) {
		t.addDays(unit, DayOf(r.CreatedAt), r.Service, DayCounts{Received: 1})
		if final {
			t.addDays(unit, DayOf(r.ClosedAt), r.Service, c)
		} else {
			t.addOpen(OpenKey{unit, HourOf(r.CreatedAt), r.Service}, 1)
		}
	}
}

// Add adds stored rows to the tally (to compare with a recount).
func (t *Tally) Add(days []DayRow, open []OpenRow) {
	for _, r := range days {
		t.addDay(r.DayKey, r.DayCounts)
	}
	for _, r := range open {
		t.addOpen(r.OpenKey, r.Open)
	}
}

type openDayKey struct {
	unit    string
	day     Day
	service string
}

// AddOpenDays adds the stored per-day sums of the open counters (to compare with a recount).
func (t *Tally) AddOpenDays(rows []OpenDayRow) {
	if t.openDays == nil {
		t.openDays = map[openDayKey]int64{}
	}
	for _, r := range rows {
		t.openDays[openDayKey{r.Unit, r.Day, r.Service}] += r.Open
	}
}

// Difference is a counter whose stored value is not what the requests give.
type Difference struct {
	Unit string // Unit.Key
	// When is the row's day ("2026-11-21") for a daily counter, or the hour of submission
	// ("submitted 2026-11-21 09:00 IST") for an open one.
	When    string
	Service string
	// Field is the counter: received, completed, not_serviceable, cancelled, completion (the
	// histogram of times to complete, shown as its non-zero buckets) or open.
	Field          string
	Stored, Actual string
}

// Row is which row, for people.
func (d Difference) Row() string { return d.Unit + " " + d.When + " " + d.ServiceLabel() }

// ServiceLabel is the row's service code, or "all services".
func (d Difference) ServiceLabel() string {
	if d.Service == AllServices {
		return "all services"
	}
	return d.Service
}

// Rows counts the rows a tally holds: daily and open.
func (t *Tally) Rows() (days, open int) { return len(t.days), len(t.open) }

// Compare lists how stored differs from actual, counter by counter, in the order of their
// rows (rows counting nothing equal absent ones).
func Compare(stored, actual *Tally) []Difference {
	var diffs []Difference
	keys := map[DayKey]bool{}
	for k := range stored.days {
		keys[k] = true
	}
	for k := range actual.days {
		keys[k] = true
	}
	for k := range keys {
		s, a := orZero(stored.days[k]), orZero(actual.days[k])
		add := func(field, stored, actual string) {
			if stored != actual {
				diffs = append(diffs, Difference{Unit: k.Unit, When: k.Day.String(), Service: k.Service, Field: field, Stored: stored, Actual: actual})
			}
		}
		add("received", itoa(s.Received), itoa(a.Received))
		add("completed", itoa(s.Completed), itoa(a.Completed))
		add("not_serviceable", itoa(s.NotServiceable), itoa(a.NotServiceable))
		add("cancelled", itoa(s.Cancelled), itoa(a.Cancelled))
		add("completion", fmtHistogram(s.Completion), fmtHistogram(a.Completion))
	}
	openKeys := map[OpenKey]bool{}
	for k := range stored.open {
		openKeys[k] = true
	}
	for k := range actual.open {
		openKeys[k] = true
	}
	for k := range openKeys {
		if s, a := stored.open[k], actual.open[k]; s != a {
			diffs = append(diffs, Difference{Unit: k.Unit, When: "submitted " + k.Hour.Start().Format("2006-01-02 15:04") + " IST",
				Service: k.Service, Field: "open", Stored: itoa(s), Actual: itoa(a)})
		}
	}
	if stored.openDays != nil {
		diffs = append(diffs, compareOpenDays(stored.openDays, actual.OpenDays())...)
	}
	slices.SortFunc(diffs, func(a, b Difference) int {
		return cmp.Or(cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.When, b.When), cmp.Compare(a.Service, b.Service), cmp.Compare(a.Field, b.Field))
	})
	return diffs
}

// compareOpenDays lists the per-day sums of open counters stored otherwise than actual.
func compareOpenDays(stored map[openDayKey]int64, actual []OpenDayRow) []Difference {
	a := map[openDayKey]int64{}
	for _, r := range actual {
		a[openDayKey{r.Unit, r.Day, r.Service}] += r.Open
	}
	var diffs []Difference
	when := func(d Day) string {
		if d == AllDays {
			return "submitted on any day"
		}
		return "submitted on " + d.String()
	}
	for k, n := range stored {
		if a[k] != n {
			diffs = append(diffs, Difference{Unit: k.unit, When: when(k.day), Service: k.service, Field: "open (day)", Stored: itoa(n), Actual: itoa(a[k])})
		}
	}
	for k, n := range a {
		if _, ok := stored[k]; !ok && n != 0 {
			diffs = append(diffs, Difference{Unit: k.unit, When: when(k.day), Service: k.service, Field: "open (day)", Stored: "0", Actual: itoa(n)})
		}
	}
	return diffs
}

func orZero(c *DayCounts) DayCounts {
	if c == nil {
		return DayCounts{}
	}
	return *c
}
