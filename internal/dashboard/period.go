package dashboard

import (
	"fmt"
	"strings"
	"time"
)

// The periods a dashboard can show, as named in URLs and the API.
const (
	PeriodToday     = "today"
	PeriodYesterday = "yesterday"
	Period7Days     = "7d"
	Period30Days    = "30d"
	PeriodMonth     = "month"
	PeriodCustom    = "custom"
)

// Periods are the named periods in the order pages offer them.
var Periods = []string{PeriodToday, PeriodYesterday, Period7Days, Period30Days, PeriodMonth, PeriodCustom}

// MaxDays is the longest custom period: a year, so that a view's cost stays bounded.
const MaxDays = 366

// Period is a run of whole IST days, both ends included.
type Period struct {
	Name     string
	From, To Day
}

// Days is the number of days in the period.
func (p Period) Days() int { return int(p.To-p.From) + 1 }

// Label names the period for people.
func (p Period) Label() string {
	switch p.Name {
	case PeriodToday:
		return "Today, " + p.From.Start().Format("2 Jan 2006")
	case PeriodYesterday:
		return "Yesterday, " + p.From.Start().Format("2 Jan 2006")
	}
	if p.From == p.To {
		return p.From.Start().Format("2 Jan 2006")
	}
	return p.From.Start().Format("2 Jan 2006") + " to " + p.To.Start().Format("2 Jan 2006")
}

// PeriodLabel names a named period for a menu.
func PeriodLabel(name string) string {
	return map[string]string{PeriodToday: "Today", PeriodYesterday: "Yesterday", Period7Days: "Last 7 days",
		Period30Days: "Last 30 days", PeriodMonth: "This month", PeriodCustom: "Custom range"}[name]
}

// The names of the period's fields in forms, URLs and the API.
const (
	ParamPeriod = "period"
	ParamFrom   = "from"
	ParamTo     = "to"
)

// FieldErrors are messages for people, by field.
type FieldErrors map[string]string

func (e FieldErrors) Error() string {
	var parts []string
	for f, m := range e {
		parts = append(parts, f+": "+m)
	}
	return strings.Join(parts, "; ")
}

// ParsePeriod reads a period as of now: a named one, or custom with from and to as
// YYYY-MM-DD. With from and to but no name, the period is custom; with nothing, today. Last
// 7 and 30 days end today.
func ParsePeriod(name, from, to string, now time.Time) (Period, error) {
	today := DayOf(now)
	name = strings.TrimSpace(name)
	if name == "" {
		name = PeriodToday
		if from != "" || to != "" {
			name = PeriodCustom
		}
	}
	switch name {
	case PeriodToday:
		return Period{name, today, today}, nil
	case PeriodYesterday:
		return Period{name, today - 1, today - 1}, nil
	case Period7Days:
		return Period{name, today - 6, today}, nil
	case Period30Days:
		return Period{name, today - 29, today}, nil
	case PeriodMonth:
		t := now.In(IST)
		return Period{name, DayOfDate(time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, IST)), today}, nil
	case PeriodCustom:
	default:
		return Period{}, FieldErrors{ParamPeriod: fmt.Sprintf("%q is not a period. Use today, yesterday, 7d, 30d, month or custom.", name)}
	}
	errs := FieldErrors{}
	p := Period{Name: PeriodCustom}
	for _, f := range []struct {
		param, value string
		day          *Day
	}{{ParamFrom, from, &p.From}, {ParamTo, to, &p.To}} {
		v := strings.TrimSpace(f.value)
		if v == "" {
			errs[f.param] = "Give a date, as YYYY-MM-DD."
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, v, IST)
		if err != nil {
			errs[f.param] = fmt.Sprintf("%q is not a date; write it as YYYY-MM-DD, e.g. %s.", v, now.In(IST).Format(time.DateOnly))
			continue
		}
		*f.day = DayOfDate(t)
		if *f.day > today {
			errs[f.param] = "This date is in the future."
		}
	}
	if len(errs) == 0 {
		switch {
		case p.To < p.From:
			errs[ParamTo] = "The end date is before the start date."
		case p.Days() > MaxDays:
			errs[ParamTo] = fmt.Sprintf("A period is at most %d days; this one has %d.", MaxDays, p.Days())
		}
	}
	if len(errs) > 0 {
		return Period{}, errs
	}
	return p, nil
}
