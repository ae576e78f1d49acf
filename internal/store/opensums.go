package store

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/doorstep-post/doorstep/internal/dashboard"
)

// The dashboard's open figures (dashboard.OpenSums) are read from two tables. The open
// counters per IST day of submission (dashboard_open_days) give what is open now (their
// rows of dashboard.AllDays) and, taking away the days from a bound's day (or the day
// after) on, what is open from the whole days before it; the hourly ones (dashboard_open)
// add the hours between the start of the bound's day and the bound (or take away those
// between the bound and the day's end). A view then reads a row per unit and
// service, the days since its earliest bound and a day of hours per bound: not the days or
// hours a backlog spans. Both backends use these statements, with their own placeholders
// and list of units.

// Statement is SQL with its arguments.
type Statement struct {
	SQL  string
	Args []any
}

// OpenSumsStatements are the two statements of DashboardOpenSums. param is the backend's
// n-th placeholder; unitsIn the condition that unit is one of the units, given its
// placeholder, and units the argument it takes.
func OpenSumsStatements(param func(n int) string, unitsIn func(placeholder string) string, units any, bounds []dashboard.Hour) (days, hours Statement) {
	// Each bound is read from the nearer end of its day: the hours from the day's start to
	// the bound added to the whole days before it, or the hours from the bound to the day's
	// end taken from the whole days up to and including it. A bound then reads 12 hours of
	// rows at most.
	type side struct {
		fromDay dashboard.Day  // the days from this one on are taken from the total
		lo, hi  dashboard.Hour // the hours read
		sign    int            // +1: added, -1: taken away, 0: none read (a bound at midnight)
	}
	sides := make([]side, len(bounds))
	for i, h := range bounds {
		dayStart := dashboard.Hour(int64(h.Day()) * 24)
		switch {
		case h == dayStart:
			sides[i] = side{fromDay: h.Day()}
		case h-dayStart <= 12:
			sides[i] = side{fromDay: h.Day(), lo: dayStart, hi: h, sign: 1}
		default:
			sides[i] = side{fromDay: h.Day() + 1, lo: h, hi: dayStart + 24, sign: -1}
		}
	}

	var b strings.Builder
	allDays := fmt.Sprint(int(dashboard.AllDays))
	fmt.Fprintf(&b, "SELECT unit, service_code, CAST(SUM(CASE WHEN day = %s THEN open ELSE 0 END) AS BIGINT)", allDays)
	earliest := dashboard.AllDays
	for _, sd := range sides {
		days.Args = append(days.Args, int64(sd.fromDay))
		fmt.Fprintf(&b, ", CAST(SUM(CASE WHEN day = %s THEN open WHEN day >= %s THEN -open ELSE 0 END) AS BIGINT)", allDays, param(len(days.Args)))
		if earliest == dashboard.AllDays || sd.fromDay < earliest {
			earliest = sd.fromDay
		}
	}
	// Two ranges of the primary key (unit, day, service_code): the rows of all days, and
	// the days since the earliest bound.
	days.Args = append(days.Args, units)
	fmt.Fprintf(&b, " FROM (SELECT unit, day, service_code, open FROM dashboard_open_days WHERE %s AND day = %s AND open <> 0",
		unitsIn(param(len(days.Args))), allDays)
	if earliest != dashboard.AllDays {
		days.Args = append(days.Args, units, int64(earliest))
		fmt.Fprintf(&b, " UNION ALL SELECT unit, day, service_code, open FROM dashboard_open_days WHERE %s AND day >= %s AND open <> 0",
			unitsIn(param(len(days.Args)-1)), param(len(days.Args)))
	}
	b.WriteString(") AS o GROUP BY unit, service_code")
	days.SQL = b.String()

	b.Reset()
	for i, sd := range sides {
		if sd.sign == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(" UNION ALL ")
		}
		hours.Args = append(hours.Args, units, int64(sd.lo), int64(sd.hi))
		n := len(hours.Args)
		fmt.Fprintf(&b, "SELECT %d, unit, service_code, CAST(%d * SUM(open) AS BIGINT) FROM dashboard_open WHERE %s AND hour >= %s AND hour < %s AND open <> 0 GROUP BY unit, service_code",
			i, sd.sign, unitsIn(param(n-2)), param(n-1), param(n))
	}
	hours.SQL = b.String()
	return days, hours
}

// OpenSumsBuilder adds up the rows of the two statements, scanned into its DayRow and
// HoursRow destinations.
type OpenSumsBuilder struct {
	bounds int
	sums   map[[2]string]*dashboard.OpenSums

	unit, service string
	open          int64
	bound         int32
	before        []int64
	dayDest       []any
}

// NewOpenSumsBuilder returns a builder for this many bounds.
func NewOpenSumsBuilder(bounds int) *OpenSumsBuilder {
	o := &OpenSumsBuilder{bounds: bounds, sums: map[[2]string]*dashboard.OpenSums{}, before: make([]int64, bounds)}
	o.dayDest = []any{&o.unit, &o.service, &o.open}
	for i := range o.before {
		o.dayDest = append(o.dayDest, &o.before[i])
	}
	return o
}

// DayDest is where a row of the days' statement is scanned to; DayScanned adds it.
func (o *OpenSumsBuilder) DayDest() []any { return o.dayDest }

// DayScanned adds the row just scanned to DayDest.
func (o *OpenSumsBuilder) DayScanned() { o.Day(o.unit, o.service, o.open, o.before) }

// HoursDest is where a row of the hours' statement is scanned to; HoursScanned adds it.
func (o *OpenSumsBuilder) HoursDest() []any { return []any{&o.bound, &o.unit, &o.service, &o.open} }

// HoursScanned adds the row just scanned to HoursDest.
func (o *OpenSumsBuilder) HoursScanned() { o.Hours(int(o.bound), o.unit, o.service, o.open) }

func (o *OpenSumsBuilder) row(unit, service string) *dashboard.OpenSums {
	k := [2]string{unit, service}
	r := o.sums[k]
	if r == nil {
		r = &dashboard.OpenSums{Unit: unit, Service: service, Before: make([]int64, o.bounds)}
		o.sums[k] = r
	}
	return r
}

// Day adds a row of the days' statement: open, and open before each bound's day.
func (o *OpenSumsBuilder) Day(unit, service string, open int64, before []int64) {
	r := o.row(unit, service)
	r.Open += open
	for i, n := range before {
		r.Before[i] += n
	}
}

// Hours adds a row of the hours' statement: open in bound i's day before the bound, or
// (negative) after it.
func (o *OpenSumsBuilder) Hours(bound int, unit, service string, n int64) {
	o.row(unit, service).Before[bound] += n
}

// Sums are the sums, by unit and service.
func (o *OpenSumsBuilder) Sums() []dashboard.OpenSums {
	out := make([]dashboard.OpenSums, 0, len(o.sums))
	for _, r := range o.sums {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b dashboard.OpenSums) int {
		return cmp.Or(cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.Service, b.Service))
	})
	return out
}
