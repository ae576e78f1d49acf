package dashboard_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// The recount: the figures worked out from the requests alone, as the store gives them back
// (each one's service, Division, creation time and history), by the dashboard's documented
// definitions, with no counter and none of the package's arithmetic:
//   - received: requests submitted on an IST day of the period;
//   - completed, not serviceable, cancelled: requests that reached that status on an IST
//     day of the period, whenever they were submitted;
//   - times to complete: of the requests completed in the period, from submission to
//     completion, to the precision of the histogram (hourly under 72 h, 6-hourly under a
//     week, daily under 30 days, then one bucket); the median and the 90th percentile by
//     nearest rank;
//   - completion rate: completed over completed and not serviceable, none if neither;
//   - open, now: requests submitted or in progress; overdue: open from the end of their
//     IST hour of submission plus the target on; ages: whole IST hours from the hour of
//     submission to the hour of now;
//   - the trend: received and completed per IST day of the period.

// raw is what the recount knows of one request.
type raw struct {
	ref     string
	service string
	units   []string // the keys of the units it lies in, from its Division in the directory
	created time.Time
	status  request.Status
	closed  time.Time // when its history says it reached its final status
}

func (x raw) in(unit string) bool { return slices.Contains(x.units, unit) }

func (x raw) isOpen() bool {
	return x.status == request.StatusSubmitted || x.status == request.StatusInProgress
}

// raws reads every request back from the store.
func (m *mix) raws(ctx context.Context) []raw {
	m.t.Helper()
	reqs, err := m.w.Store.DeskRequests(ctx, store.DeskQuery{})
	if err != nil {
		m.t.Fatal(err)
	}
	if len(reqs) != len(m.requests) {
		m.t.Fatalf("the store has %d requests, the mix made %d", len(reqs), len(m.requests))
	}
	out := make([]raw, 0, len(reqs))
	for _, r := range reqs {
		d, ok := m.dir.Division(r.Division)
		if !ok {
			m.t.Fatalf("%s: Division %q is not in the directory", r.Reference, r.Division)
		}
		x := raw{ref: string(r.Reference), service: r.ServiceCode, created: r.CreatedAt, status: r.Status,
			units: []string{"india", "circle:" + d.Circle, "division:" + d.Name}}
		if d.Region != "" {
			x.units = append(x.units, "region:"+d.Region)
		}
		if len(r.History) == 0 || r.History[0].Status != request.StatusSubmitted || r.History[len(r.History)-1].Status != r.Status {
			m.t.Fatalf("%s is %s with history %+v", r.Reference, r.Status, r.History)
		}
		if !x.isOpen() {
			x.closed = r.History[len(r.History)-1].At
		}
		out = append(out, x)
	}
	return out
}

// dateOf is t's IST date, as YYYY-MM-DD.
func dateOf(t time.Time) string { return t.In(ist).Format(time.DateOnly) }

// hourStart is the start of t's IST hour.
func hourStart(t time.Time) time.Time {
	t = t.In(ist)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, ist)
}

// period is a period as the recount sees it: its first and last IST dates.
type period struct {
	name, from, to string
	custom         bool // given by its dates
}

func (p period) has(t time.Time) bool { d := dateOf(t); return p.from <= d && d <= p.to }

// periodsAt are the periods viewed at now: every named one, and a custom one from the first
// day of the mix for four days (or to today).
func periodsAt(now, first time.Time) []period {
	n := now.In(ist)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, ist)
	day := func(offset int) string { return today.AddDate(0, 0, offset).Format(time.DateOnly) }
	customTo := min(first.In(ist).AddDate(0, 0, 3).Format(time.DateOnly), day(0))
	return []period{
		{name: dashboard.PeriodToday, from: day(0), to: day(0)},
		{name: dashboard.PeriodYesterday, from: day(-1), to: day(-1)},
		{name: dashboard.Period7Days, from: day(-6), to: day(0)},
		{name: dashboard.Period30Days, from: day(-29), to: day(0)},
		{name: dashboard.PeriodMonth, from: day(1 - n.Day()), to: day(0)},
		{name: dashboard.PeriodCustom, from: dateOf(first), to: customTo, custom: true},
	}
}

// counts are one row's figures, as the recount makes them.
type counts struct {
	received, completed, notServiceable, cancelled, open, overdue int64
	times                                                         []time.Duration
}

func (c *counts) add(x raw, p period, now time.Time) {
	if p.has(x.created) {
		c.received++
	}
	if x.isOpen() {
		c.open++
		if !now.Before(hourStart(x.created).Add(time.Hour + target)) {
			c.overdue++
		}
		return
	}
	if !p.has(x.closed) {
		return
	}
	switch x.status {
	case request.StatusCompleted:
		c.completed++
		c.times = append(c.times, x.closed.Sub(x.created))
	case request.StatusNotServiceable:
		c.notServiceable++
	case request.StatusCancelled:
		c.cancelled++
	}
}

func (c counts) String() string {
	rate := "none"
	if settled := c.completed + c.notServiceable; settled > 0 {
		rate = fmt.Sprintf("%.4f", float64(c.completed)/float64(settled))
	}
	byBucket := map[string]int{}
	var order []string
	for _, d := range slices.Sorted(slices.Values(c.times)) {
		b := spanText(bucket(d))
		if byBucket[b] == 0 {
			order = append(order, b)
		}
		byBucket[b]++
	}
	var times []string
	for _, b := range order {
		times = append(times, fmt.Sprintf("%s:%d", b, byBucket[b]))
	}
	return line(c.received, c.completed, c.notServiceable, c.cancelled, c.open, c.overdue, strings.Join(times, " "),
		nearestRank(c.times, 1, 2), nearestRank(c.times, 9, 10), rate)
}

// bucket is the histogram's bucket [lo, hi) of a time to complete (hi 0: no end).
func bucket(d time.Duration) (lo, hi time.Duration) {
	h := d / time.Hour
	switch {
	case h < 72:
		return h * time.Hour, (h + 1) * time.Hour
	case h < 7*24:
		lo = (72 + (h-72)/6*6) * time.Hour
		return lo, lo + 6*time.Hour
	case h < 30*24:
		lo = h / 24 * 24 * time.Hour
		return lo, lo + 24*time.Hour
	}
	return 30 * 24 * time.Hour, 0
}

// nearestRank is the bucket of the num/den-th percentile of times: the bucket of the
// ceil(n*num/den)-th shortest.
func nearestRank(times []time.Duration, num, den int) string {
	if len(times) == 0 {
		return "none"
	}
	sorted := slices.Sorted(slices.Values(times))
	return spanText(bucket(sorted[(len(sorted)*num+den-1)/den-1]))
}

func spanText(lo, hi time.Duration) string {
	if hi == 0 {
		return fmt.Sprintf("[%dh,∞)", lo/time.Hour)
	}
	return fmt.Sprintf("[%dh,%dh)", lo/time.Hour, hi/time.Hour)
}

func line(received, completed, notServiceable, cancelled, open, overdue int64, times, median, p90, rate string) string {
	return fmt.Sprintf("received %d, completed %d, not serviceable %d, cancelled %d, open %d, overdue %d; times {%s}, median %s, p90 %s; rate %s",
		received, completed, notServiceable, cancelled, open, overdue, times, median, p90, rate)
}

// rowText is a row of the dashboard in the recount's words.
func rowText(r dashboard.Row) string {
	var times []string
	for b, n := range r.Times {
		if n != 0 {
			times = append(times, fmt.Sprintf("%s:%d", spanText(dashboard.BucketBounds(b)), n))
		}
	}
	span := func(s dashboard.Span, ok bool) string {
		if !ok {
			return "none"
		}
		return spanText(s.Lo, s.Hi)
	}
	rate := "none"
	if v, ok := r.CompletionRate(); ok {
		rate = fmt.Sprintf("%.4f", v)
	}
	return line(r.Received, r.Completed, r.NotServiceable, r.Cancelled, r.Open, r.Overdue, strings.Join(times, " "),
		span(r.Median()), span(r.P90()), rate)
}

// figuresText is what the dashboard shows, by what it is of (period, total, child ...,
// service ..., open aged ..., trend ...).
func figuresText(f dashboard.Figures) map[string]string {
	out := map[string]string{"unit": f.Unit.Key(), "as of": f.AsOf.UTC().Format(time.RFC3339Nano),
		"period": f.Period.From.String() + " to " + f.Period.To.String(), "total": rowText(f.Total)}
	var keys []string
	for _, u := range f.Path {
		keys = append(keys, u.Key())
	}
	out["path"] = strings.Join(keys, " > ")
	keys = nil
	for _, c := range f.Children {
		keys = append(keys, c.Unit.Key())
		out["child "+c.Unit.Key()] = rowText(c)
	}
	out["children"] = strings.Join(keys, ", ")
	keys = nil
	for _, s := range f.ByService {
		keys = append(keys, s.Service.Code)
		out["service "+s.Service.Code] = rowText(s)
	}
	out["services"] = strings.Join(keys, ", ")
	for i, n := range f.OpenByAge {
		label := fmt.Sprint(i)
		if i < len(dashboard.AgeLabels) {
			label = dashboard.AgeLabels[i]
		}
		out["open aged "+label] = fmt.Sprint(n)
	}
	out["trend days"] = fmt.Sprint(len(f.Trend))
	for _, d := range f.Trend {
		out["trend "+d.Day.String()] = fmt.Sprintf("received %d, completed %d", d.Received, d.Completed)
	}
	return out
}

// expect is what figuresText should give for unit over p at now.
func (m *mix) expect(raws []raw, services []request.Service, unit string, p period, now time.Time) map[string]string {
	out := map[string]string{"unit": unit, "as of": now.UTC().Format(time.RFC3339Nano), "period": p.from + " to " + p.to,
		"path": strings.Join(m.pathOf(unit), " > ")}
	var total counts
	children := m.childrenOf(unit)
	child := map[string]*counts{}
	for _, c := range children {
		child[c] = &counts{}
	}
	byService := map[string]*counts{}
	var codes []string
	for _, s := range services {
		byService[s.Code] = &counts{}
		codes = append(codes, s.Code)
	}
	ages := make([]int64, len(dashboard.AgeLabels))
	type day struct{ received, completed int64 }
	trend := map[string]*day{}
	var dates []string
	first, _ := time.ParseInLocation(time.DateOnly, p.from, ist)
	for d := first; dateOf(d) <= p.to; d = d.AddDate(0, 0, 1) {
		dates = append(dates, dateOf(d))
		trend[dateOf(d)] = &day{}
	}
	for _, x := range raws {
		if !x.in(unit) {
			continue
		}
		total.add(x, p, now)
		if s := byService[x.service]; s != nil {
			s.add(x, p, now)
		}
		for _, c := range children {
			if x.in(c) {
				child[c].add(x, p, now)
			}
		}
		if x.isOpen() {
			hours := hourStart(now).Sub(hourStart(x.created)) / time.Hour
			switch {
			case hours < 24:
				ages[0]++
			case hours < 72:
				ages[1]++
			case hours < 168:
				ages[2]++
			default:
				ages[3]++
			}
		}
		if p.has(x.created) {
			trend[dateOf(x.created)].received++
		}
		if x.status == request.StatusCompleted && p.has(x.closed) {
			trend[dateOf(x.closed)].completed++
		}
	}
	out["total"] = total.String()
	out["children"] = strings.Join(children, ", ")
	for _, c := range children {
		out["child "+c] = child[c].String()
	}
	out["services"] = strings.Join(codes, ", ")
	for _, code := range codes {
		out["service "+code] = byService[code].String()
	}
	for i, n := range ages {
		out["open aged "+dashboard.AgeLabels[i]] = fmt.Sprint(n)
	}
	out["trend days"] = fmt.Sprint(len(dates))
	for _, d := range dates {
		out["trend "+d] = fmt.Sprintf("received %d, completed %d", trend[d].received, trend[d].completed)
	}
	return out
}

// pathOf is the keys of the units above unit, from the nation down, by the directory.
func (m *mix) pathOf(unit string) []string {
	level, name, _ := strings.Cut(unit, ":")
	switch level {
	case "circle":
		return []string{"india"}
	case "region":
		for _, d := range m.dir.Divisions() {
			if d.Region == name {
				return []string{"india", "circle:" + d.Circle}
			}
		}
	case "division":
		d, _ := m.dir.Division(name)
		if d.Region == "" {
			return []string{"india", "circle:" + d.Circle}
		}
		return []string{"india", "circle:" + d.Circle, "region:" + d.Region}
	}
	return nil
}

// childrenOf is the keys of the units one level down from unit, by the directory: the
// nation's Circles; a Circle's Regions, then its Divisions that have no Region; a Region's
// Divisions; each by name.
func (m *mix) childrenOf(unit string) []string {
	level, name, _ := strings.Cut(unit, ":")
	seen := map[string]bool{}
	var first, then []string
	for _, d := range m.dir.Divisions() {
		var key string
		direct := false
		switch {
		case level == "india":
			key = "circle:" + d.Circle
		case level == "circle" && d.Circle == name && d.Region != "":
			key = "region:" + d.Region
		case level == "circle" && d.Circle == name:
			key, direct = "division:"+d.Name, true
		case level == "region" && d.Region == name:
			key = "division:" + d.Name
		}
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		if direct {
			then = append(then, key)
		} else {
			first = append(first, key)
		}
	}
	slices.Sort(first)
	slices.Sort(then)
	return append(first, then...)
}

// viewedUnits are the units the mix touched: the nation, and each of its Divisions with the
// units above it.
func (m *mix) viewedUnits() []string {
	units := []string{"india"}
	for _, d := range mixDivisions {
		path := m.pathOf("division:" + d.division)
		for _, u := range append(path, "division:"+d.division) {
			if !slices.Contains(units, u) {
				units = append(units, u)
			}
		}
	}
	return units
}

// check compares what the dashboard shows of every unit touched, for every period, with the
// recount; first is the first day of the mix (the custom period starts there).
func (m *mix) check(when string, first time.Time) {
	m.t.Helper()
	ctx := context.Background()
	now := m.w.Now()
	raws := m.raws(ctx)
	services, err := m.w.Catalogue.All(ctx)
	if err != nil {
		m.t.Fatal(err)
	}
	m.cover(raws, now)
	admin := m.w.Actors["admin"].Account
	failed := 0
	for _, unit := range m.viewedUnits() {
		for _, p := range periodsAt(now, first) {
			from, to := "", ""
			if p.custom {
				from, to = p.from, p.to
			}
			dp, err := dashboard.ParsePeriod(p.name, from, to, now)
			if err != nil {
				m.t.Fatalf("%s: period %s: %v", when, p.name, err)
			}
			f, err := m.w.Dashboard.View(ctx, admin, unit, dp)
			if err != nil {
				m.t.Fatalf("%s: View(%s, %s): %v", when, unit, p.name, err)
			}
			lines := diff(figuresText(f), m.expect(raws, services, unit, p, now))
			if len(lines) == 0 {
				continue
			}
			m.t.Errorf("%s (%s IST), %s, %s: the dashboard differs from a recount of the %d requests:\n%s",
				when, now.In(ist).Format("2006-01-02 15:04:05.000"), unit, p.name, len(raws), strings.Join(lines, "\n"))
			if failed++; failed == 3 {
				m.t.Fatalf("%s: more views differ; stopping", when)
			}
		}
	}
}

// diff lists, by what they are of, the figures that differ.
func diff(got, want map[string]string) []string {
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var lines []string
	for _, k := range keys {
		g, gok := got[k]
		w, wok := want[k]
		if g == w && gok == wok {
			continue
		}
		if !gok {
			g = "(absent)"
		}
		if !wok {
			w = "(absent)"
		}
		lines = append(lines, fmt.Sprintf("  %s:\n    got  %s\n    want %s", k, g, w))
	}
	return lines
}

// cover counts what the requests at a check have that the figures must get right, so that
// the test can tell that the mix had it.
func (m *mix) cover(raws []raw, now time.Time) {
	for _, x := range raws {
		if x.isOpen() {
			switch {
			case !now.Before(hourStart(x.created).Add(time.Hour + target)):
				m.stats["open, overdue"]++
			default:
				m.stats["open, not yet overdue"]++
			}
			if now.Sub(x.created) > 7*24*time.Hour {
				m.stats["open for over a week"]++
			}
			continue
		}
		if dateOf(x.closed) != dateOf(x.created) {
			m.stats["closed on a later IST day"]++
		}
		if x.status != request.StatusCompleted {
			continue
		}
		switch d := x.closed.Sub(x.created); {
		case d < 72*time.Hour:
			m.stats["completed within 3 days"]++
		case d < 7*24*time.Hour:
			m.stats["completed in 3 to 7 days"]++
		case d < 30*24*time.Hour:
			m.stats["completed in 7 to 30 days"]++
		default:
			m.stats["completed after 30 days"]++
		}
	}
}
