package dashboard

import "time"

// Figures are kept per IST day and per IST hour: the days a postmaster speaks of. India has
// one time zone and no daylight saving, so an IST day is a fixed 24 hours starting at 18:30
// UTC, and IST hours start at half past the UTC hour.
const (
	istOffset = 5*time.Hour + 30*time.Minute
	day       = 24 * time.Hour
)

// IST is India Standard Time.
var IST = time.FixedZone("IST", int(istOffset/time.Second))

// Day is the number of an IST day: 0 is 1 January 1970 (IST).
type Day int

// Hour is the number of an IST hour since the start of Day 0.
type Hour int

// DayOf is the IST day t falls on.
func DayOf(t time.Time) Day {
	return Day(floorDiv(t.UnixMilli()+istOffset.Milliseconds(), day.Milliseconds()))
}

// HourOf is the IST hour t falls in.
func HourOf(t time.Time) Hour {
	return Hour(floorDiv(t.UnixMilli()+istOffset.Milliseconds(), time.Hour.Milliseconds()))
}

// Start is the first instant of the day.
func (d Day) Start() time.Time {
	return time.UnixMilli(int64(d)*day.Milliseconds() - istOffset.Milliseconds()).In(IST)
}

// Date is the day as a calendar date in IST (midnight, in IST).
func (d Day) Date() time.Time { return d.Start() }

// String is the day as YYYY-MM-DD.
func (d Day) String() string { return d.Start().Format(time.DateOnly) }

// DayOfDate is the IST day of a calendar date (its year, month and day; the rest ignored).
func DayOfDate(t time.Time) Day {
	return DayOf(time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, IST))
}

// Day is the IST day the hour is part of.
func (h Hour) Day() Day { return Day(floorDiv(int64(h), 24)) }

// Start is the first instant of the hour.
func (h Hour) Start() time.Time {
	return time.UnixMilli(int64(h)*time.Hour.Milliseconds() - istOffset.Milliseconds()).In(IST)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
