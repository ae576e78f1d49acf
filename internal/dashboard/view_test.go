package dashboard_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
	"github.com/doorstep-post/doorstep/internal/testenv/fixture"
)

// view is the figures of unit over a named period at the world's time, as the admin sees them.
func view(t *testing.T, w *fixture.World, unit, period string) dashboard.Figures {
	t.Helper()
	p, err := dashboard.ParsePeriod(period, "", "", w.Now())
	if err != nil {
		t.Fatal(err)
	}
	f, err := w.Dashboard.View(context.Background(), w.Actors["admin"].Account, unit, p)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// submitAt submits a request in Agra Division at at; n tells the mobiles apart.
func submitAt(t *testing.T, w *fixture.World, at time.Time, n int) request.Request {
	t.Helper()
	w.SetTime(at)
	return w.Submit(t, "282001", fmt.Sprintf("98765%05d", n))
}

// move moves r, of Agra Division, through statuses as Agra's staff, at the world's time.
func move(t *testing.T, w *fixture.World, r request.Request, statuses ...request.Status) {
	t.Helper()
	for _, to := range statuses {
		_, err := w.Desk.Change(context.Background(), w.Actors["agra"], string(r.Reference),
			request.Change{To: to, Remarks: "Address not traceable"}, desk.AnyVersion)
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestAgesAndOverdue: open requests are aged in whole IST hours from the start of their hour
// of submission, and are overdue from the end of that hour plus the 48-hour target, as
// dashboard.Overdue documents: never before their own deadline, at most an hour after it.
func TestAgesAndOverdue(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		now := time.Date(2026, 11, 27, 10, 0, 0, 0, ist)
		w := fixture.NewAt(t, st, now)
		for i, at := range []time.Duration{
			23 * time.Hour,                   // 11:00 the day before: 23 hours
			24*time.Hour - time.Millisecond,  // 10:00:00.001 the day before: its hour began 24 hours ago
			24 * time.Hour,                   // 24 hours
			48 * time.Hour,                   // exactly the target, but due at the end of its hour
			48*time.Hour + time.Millisecond,  // 09:59:59.999: due now
			49 * time.Hour,                   // 09:00:00: due now
			71 * time.Hour,                   // 71 hours
			72 * time.Hour,                   // 72 hours
			167 * time.Hour,                  // 167 hours
			168 * time.Hour,                  // 168 hours
			168*time.Hour - time.Millisecond, // its hour began 168 hours ago
		} {
			submitAt(t, w, now.Add(-at), i)
		}
		// Closed requests, however old, are neither open nor overdue.
		completed := submitAt(t, w, now.Add(-100*time.Hour), 100)
		refused := submitAt(t, w, now.Add(-100*time.Hour), 101)
		w.SetTime(now.Add(-time.Hour))
		move(t, w, completed, request.StatusInProgress, request.StatusCompleted)
		move(t, w, refused, request.StatusNotServiceable)

		for _, c := range []struct {
			at      time.Time
			ages    []int64 // by dashboard.AgeLabels
			overdue int64
		}{
			{now, []int64{1, 6, 2, 2}, 7},
			// A millisecond earlier is an hour earlier: every age an hour less, and the two
			// due now not yet overdue.
			{now.Add(-time.Millisecond), []int64{3, 5, 3, 0}, 5},
			// Within the same hour nothing moves; the request submitted at 10:00 exactly, 48
			// hours before now, is overdue from 11:00.
			{now.Add(time.Hour - time.Millisecond), []int64{1, 6, 2, 2}, 7},
			{now.Add(time.Hour), []int64{0, 6, 2, 3}, 8},
		} {
			w.SetTime(c.at)
			for _, unit := range []string{"division:Agra Division", "region:Agra Region", "india"} {
				f := view(t, w, unit, dashboard.PeriodToday)
				when := c.at.In(ist).Format("15:04:05.000")
				if !slices.Equal(f.OpenByAge, c.ages) {
					t.Errorf("at %s, %s: open by age %v, want %v (%v)", when, unit, f.OpenByAge, c.ages, dashboard.AgeLabels)
				}
				if f.Total.Open != 11 || f.Total.Overdue != c.overdue {
					t.Errorf("at %s, %s: open %d, overdue %d; want 11, %d", when, unit, f.Total.Open, f.Total.Overdue, c.overdue)
				}
				if i := slices.IndexFunc(f.ByService, func(r dashboard.Row) bool { return r.Service.Code == "emoney_order" }); i < 0 ||
					f.ByService[i].Open != 11 || f.ByService[i].Overdue != c.overdue {
					t.Errorf("at %s, %s: the service's row %+v", when, unit, f.ByService)
				}
			}
			f := view(t, w, "region:Agra Region", dashboard.PeriodToday)
			if i := slices.IndexFunc(f.Children, func(r dashboard.Row) bool { return r.Unit.Name == "Agra Division" }); i < 0 ||
				f.Children[i].Open != 11 || f.Children[i].Overdue != c.overdue {
				t.Errorf("at %s: Agra Division's row in its Region %+v", c.at, f.Children)
			}
		}
	})
}

// TestTimesToComplete: a request's time to complete is counted on the IST day it is
// completed, in the histogram's bucket of whole hours (hourly under 72 h, 6-hourly under a
// week, daily under 30 days, then one open bucket), and the median and 90th percentile are
// the buckets of the nearest ranks.
func TestTimesToComplete(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		// Completed at 23:30 IST, after these times: five of them submitted that same day.
		completed := time.Date(2026, 11, 27, 23, 30, 0, 0, ist)
		w := fixture.NewAt(t, st, completed)
		times := []time.Duration{
			30 * time.Minute,
			time.Hour,
			2*time.Hour - time.Millisecond,
			5 * time.Hour,
			23 * time.Hour, // the median: the 5th of 10
			72*time.Hour - time.Millisecond,
			72 * time.Hour,
			100 * time.Hour,
			8 * 24 * time.Hour, // the 90th percentile: the 9th of 10
			31 * 24 * time.Hour,
		}
		var reqs []request.Request
		for i, d := range times {
			reqs = append(reqs, submitAt(t, w, completed.Add(-d), i))
		}
		w.SetTime(completed)
		for _, r := range reqs {
			move(t, w, r, request.StatusInProgress, request.StatusCompleted)
		}
		h := time.Hour
		want := map[dashboard.Span]int64{{0, h}: 1, {h, 2 * h}: 2, {5 * h, 6 * h}: 1, {23 * h, 24 * h}: 1, {71 * h, 72 * h}: 1,
			{72 * h, 78 * h}: 1, {96 * h, 102 * h}: 1, {192 * h, 216 * h}: 1, {720 * h, 0}: 1}

		f := view(t, w, "division:Agra Division", dashboard.PeriodToday)
		got := map[dashboard.Span]int64{}
		for b, n := range f.Total.Times {
			if n != 0 {
				lo, hi := dashboard.BucketBounds(b)
				got[dashboard.Span{Lo: lo, Hi: hi}] = n
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("times to complete by bucket\n got %v\nwant %v", got, want)
		}
		if f.Total.Received != 5 || f.Total.Completed != 10 {
			t.Errorf("today: received %d, completed %d; want 5, 10", f.Total.Received, f.Total.Completed)
		}
		if m, ok := f.Total.Median(); !ok || m != (dashboard.Span{Lo: 23 * h, Hi: 24 * h}) {
			t.Errorf("median %v, %v; want [23h, 24h)", m, ok)
		}
		if p, ok := f.Total.P90(); !ok || p != (dashboard.Span{Lo: 192 * h, Hi: 216 * h}) {
			t.Errorf("p90 %v, %v; want [192h, 216h)", p, ok)
		}
		if r, ok := f.Total.CompletionRate(); !ok || r != 1 {
			t.Errorf("completion rate %v, %v; want 1", r, ok)
		}

		// The day before, requests were received but none was settled: no times, no rate.
		w.SetTime(completed.Add(24 * time.Hour))
		f = view(t, w, "division:Agra Division", dashboard.PeriodYesterday)
		if f.Total.Completed != 10 {
			t.Fatalf("yesterday: completed %d, want 10", f.Total.Completed)
		}
		f = view(t, w, "division:Agra Division", dashboard.PeriodToday)
		if _, ok := f.Total.Median(); ok {
			t.Error("a median of a day with nothing completed")
		}
		if _, ok := f.Total.P90(); ok {
			t.Error("a p90 of a day with nothing completed")
		}
		if _, ok := f.Total.CompletionRate(); ok {
			t.Error("a completion rate of a day with nothing settled")
		}
	})
}
