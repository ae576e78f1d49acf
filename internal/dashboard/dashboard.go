// Package dashboard is the monitoring dashboard's use case and its rules: the figures of a
// unit of the postal hierarchy (and of the units one level down, and per service) over a
// period of IST days, read from counters that every change keeps up to date in its own
// transaction (tally.go), so that a view costs the same at ten thousand and at ten million
// requests. It knows neither HTTP nor SQL.
package dashboard

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
)

// Errors of the dashboard.
var (
	// ErrUnknownUnit: no unit of the hierarchy has that name.
	ErrUnknownUnit = errors.New("no such unit")
	// ErrForbidden: the unit lies outside the account's part of the hierarchy.
	ErrForbidden = errors.New("this unit is outside your part of the hierarchy")
)

// Store is where the counters are kept.
type Store interface {
	DashboardDays(ctx context.Context, unit string, children []string, from, to Day) ([]DayRow, error)
	DashboardOpenSums(ctx context.Context, units []string, bounds []Hour) ([]OpenSums, error)
}

// OpenSums are the requests open now of one unit and service: how many, and how many of them
// were submitted before each of the bounds a view asked about (IST hours). Ages and overdue
// are differences of these, so a view reads sums, not a row per hour of the backlog.
type OpenSums struct {
	Unit, Service string
	Open          int64
	Before        []int64 // by bound
}

// Catalogue gives the services, with their names and target times.
type Catalogue interface {
	All(ctx context.Context) ([]request.Service, error)
}

// Dashboard computes the figures. It is safe for concurrent use.
type Dashboard struct {
	store     Store
	hierarchy *Hierarchy
	catalogue Catalogue
	now       func() time.Time
}

// New returns the dashboard over st, on the wall clock.
func New(st Store, h *Hierarchy, cat Catalogue) *Dashboard {
	return &Dashboard{store: st, hierarchy: h, catalogue: cat, now: time.Now}
}

// WithClock returns the same dashboard reading the time from now (tests).
func (d *Dashboard) WithClock(now func() time.Time) *Dashboard {
	c := *d
	c.now = now
	return &c
}

// Hierarchy is the tree of units the dashboard walks.
func (d *Dashboard) Hierarchy() *Hierarchy { return d.hierarchy }

// Now is the dashboard's clock.
func (d *Dashboard) Now() time.Time { return d.now() }

// The ages open requests are grouped by, in hours since the IST hour of submission.
var (
	AgeLabels = []string{"Under 1 day", "1 to 3 days", "3 to 7 days", "Over 7 days"}
	ageBounds = []int{24, 72, 168} // hours
)

// Row is the figures of one unit, or of one service in a unit.
type Row struct {
	Unit    Unit            // the unit, for the rows of units
	Service request.Service // the service, for the rows of services

	Received, Completed, NotServiceable, Cancelled int64 // in the period
	Open, Overdue                                  int64 // now

	// Times is the histogram of the times to complete of the requests completed in the
	// period.
	Times Histogram
}

// CompletionRate is the share of the requests settled in the period (completed or found not
// serviceable) that were completed; ok is false when none was settled. Cancellations, the
// customer's choice, count for neither.
func (r Row) CompletionRate() (rate float64, ok bool) {
	settled := r.Completed + r.NotServiceable
	if settled == 0 {
		return 0, false
	}
	return float64(r.Completed) / float64(settled), true
}

// Median is the median time to complete, to the precision of the histogram.
func (r Row) Median() (Span, bool) { return r.Times.Percentile(0.5) }

// P90 is the 90th-percentile time to complete.
func (r Row) P90() (Span, bool) { return r.Times.Percentile(0.9) }

func (r *Row) addDay(c DayCounts) {
	r.Received += c.Received
	r.Completed += c.Completed
	r.NotServiceable += c.NotServiceable
	r.Cancelled += c.Cancelled
	r.Times = r.Times.Add(c.Completion)
}

// TrendDay is one day of the trend: requests received and completed that day.
type TrendDay struct {
	Day                 Day
	Received, Completed int64
}

// Figures are what the dashboard shows of a unit.
type Figures struct {
	Unit   Unit
	Path   []Unit // the units above, from the nation down
	Period Period
	AsOf   time.Time // "now" of the open and overdue figures

	Total     Row   // the unit's own figures
	Children  []Row // the units one level down, by name
	ByService []Row // per service, in catalogue order
	OpenByAge []int64
	Trend     []TrendDay // every day of the period, oldest first
}

// View computes the figures of unit over the period, for account a: ErrUnknownUnit,
// ErrForbidden if the unit lies outside a's part of the hierarchy.
func (d *Dashboard) View(ctx context.Context, a staff.Account, unitKey string, p Period) (Figures, error) {
	u, ok := d.hierarchy.Parse(unitKey)
	if !ok {
		return Figures{}, ErrUnknownUnit
	}
	if !a.May(staff.ViewDashboard, d.hierarchy.Staff(u)) {
		return Figures{}, ErrForbidden
	}
	return d.figures(ctx, u, p)
}

func (d *Dashboard) figures(ctx context.Context, u Unit, p Period) (Figures, error) {
	now := d.now()
	services, err := d.catalogue.All(ctx)
	if err != nil {
		return Figures{}, err
	}
	f := Figures{Unit: u, Path: d.hierarchy.Path(u), Period: p, AsOf: now, Total: Row{Unit: u},
		OpenByAge: make([]int64, len(AgeLabels))}
	keys := []string{u.Key()}
	child := map[string]*Row{}
	f.Children = make([]Row, 0, len(d.hierarchy.Children(u)))
	for _, c := range d.hierarchy.Children(u) {
		f.Children = append(f.Children, Row{Unit: c})
		keys = append(keys, c.Key())
	}
	for i := range f.Children {
		child[f.Children[i].Unit.Key()] = &f.Children[i]
	}
	byService := map[string]*Row{}
	targets := map[string]time.Duration{}
	f.ByService = make([]Row, len(services))
	for i, s := range services {
		f.ByService[i] = Row{Unit: u, Service: s}
		byService[s.Code] = &f.ByService[i]
		targets[s.Code] = time.Duration(targetHours(s)) * time.Hour
	}
	f.Trend = make([]TrendDay, p.Days())
	for i := range f.Trend {
		f.Trend[i].Day = p.From + Day(i)
	}

	days, err := d.store.DashboardDays(ctx, u.Key(), keys[1:], p.From, p.To)
	if err != nil {
		return Figures{}, err
	}
	own := u.Key()
	for _, r := range days {
		if r.Unit != own {
			if c := child[r.Unit]; c != nil {
				c.addDay(r.DayCounts)
			}
			continue
		}
		f.Total.addDay(r.DayCounts)
		if s := byService[r.Service]; s != nil { // services are never removed from the catalogue
			s.addDay(r.DayCounts)
		}
		t := &f.Trend[r.Day-p.From]
		t.Received += r.Received
		t.Completed += r.Completed
	}

	// What a view asks of the open counters: how many were submitted before the hours from
	// which they are at least 24, 72 and 168 hours old (ageBucket's bounds, as hours of
	// submission), and before each service's overdue cutoff.
	nowHour := HourOf(now)
	bounds := make([]Hour, 0, len(ageBounds)+len(targets)+1)
	for _, b := range ageBounds {
		bounds = append(bounds, nowHour-Hour(b)+1)
	}
	boundOf := func(target time.Duration) int {
		b := HourOf(request.OverdueCutoff(now, target)) // Overdue's rule, as an hour of submission
		if i := slices.Index(bounds, b); i >= 0 {
			return i
		}
		bounds = append(bounds, b)
		return len(bounds) - 1
	}
	overdueBound := map[string]int{}
	for code, target := range targets {
		overdueBound[code] = boundOf(target)
	}
	defaultBound := boundOf(DefaultTarget)
	overdueOf := func(r OpenSums, bounds map[string]int, fallback int) int64 {
		b, known := bounds[r.Service]
		if !known {
			b = fallback
		}
		return r.Before[b]
	}
	// The units one level down show only open and overdue: they are read with the overdue
	// bounds alone, a day of hours fewer per age bound and unit.
	if len(keys) > 1 {
		var childBounds []Hour
		childBound := map[string]int{}
		at := map[Hour]int{}
		for code, i := range overdueBound {
			b := bounds[i]
			if _, ok := at[b]; !ok {
				at[b] = len(childBounds)
				childBounds = append(childBounds, b)
			}
			childBound[code] = at[b]
		}
		if _, ok := at[bounds[defaultBound]]; !ok {
			at[bounds[defaultBound]] = len(childBounds)
			childBounds = append(childBounds, bounds[defaultBound])
		}
		sums, err := d.store.DashboardOpenSums(ctx, keys[1:], childBounds)
		if err != nil {
			return Figures{}, err
		}
		for _, r := range sums {
			if c := child[r.Unit]; c != nil {
				c.Open += r.Open
				c.Overdue += overdueOf(r, childBound, at[bounds[defaultBound]])
			}
		}
	}
	sums, err := d.store.DashboardOpenSums(ctx, keys[:1], bounds)
	if err != nil {
		return Figures{}, err
	}
	for _, r := range sums {
		overdue := overdueOf(r, overdueBound, defaultBound)
		f.Total.Open += r.Open
		f.Total.Overdue += overdue
		if s := byService[r.Service]; s != nil {
			s.Open += r.Open
			s.Overdue += overdue
		}
		// Open, less those at least 24 hours old, is the youngest age; and so on up.
		younger := r.Open
		for i := range ageBounds {
			f.OpenByAge[i] += younger - r.Before[i]
			younger = r.Before[i]
		}
		f.OpenByAge[len(ageBounds)] += younger
	}
	return f, nil
}

func ageBucket(hours int) int {
	for i, b := range ageBounds {
		if hours < b {
			return i
		}
	}
	return len(ageBounds)
}

// DefaultTarget is a service's target time unless an admin sets another.
const DefaultTarget = request.DefaultTarget

// targetHours is a service's target time in hours, as the catalogue gives it.
func targetHours(s request.Service) int {
	return int(s.Target() / time.Hour)
}

// Overdue reports whether the requests submitted in hour h, still open, are past a target
// as of now. The rule is request.OverdueCutoff's, so that the desk's overdue list has as
// many rows as the dashboard counts: a request counts as overdue from the end of its hour
// of submission plus the target, at most an hour after its own deadline, never before.
func Overdue(h Hour, target time.Duration, now time.Time) bool {
	return h.Start().Before(request.OverdueCutoff(now, target))
}

// Columns a table of rows can be sorted by.
const (
	SortName           = "name"
	SortReceived       = "received"
	SortCompleted      = "completed"
	SortOpen           = "open"
	SortOverdue        = "overdue"
	SortCompletionRate = "rate"
	SortMedian         = "median"
)

// SortColumns are the columns rows can be sorted by.
var SortColumns = []string{SortName, SortReceived, SortCompleted, SortOpen, SortOverdue, SortCompletionRate, SortMedian}

// Sort orders rows by a column (unknown: by name), descending if desc; ties by name, A to Z.
func Sort(rows []Row, column string, desc bool) {
	key := func(r Row) float64 {
		switch column {
		case SortReceived:
			return float64(r.Received)
		case SortCompleted:
			return float64(r.Completed)
		case SortOpen:
			return float64(r.Open)
		case SortOverdue:
			return float64(r.Overdue)
		case SortCompletionRate:
			if v, ok := r.CompletionRate(); ok {
				return v
			}
			return -1
		case SortMedian:
			if s, ok := r.Median(); ok {
				return float64(s.Lo)
			}
			return -1
		}
		return 0
	}
	name := func(r Row) string {
		if r.Service.Code != "" {
			return r.Service.Name
		}
		return r.Unit.Title()
	}
	byName := func(a, b Row) int {
		return cmp.Compare(strings.ToLower(name(a)), strings.ToLower(name(b))) // "e-Money Order" among the Es
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		c := cmp.Compare(key(a), key(b))
		if column == SortName {
			c = byName(a, b)
		}
		if desc {
			c = -c
		}
		if c == 0 {
			c = byName(a, b) // ties read A to Z either way
		}
		return c
	})
}
