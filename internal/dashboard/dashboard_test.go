package dashboard

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
)

func TestDayStartsAtISTMidnight(t *testing.T) {
	before := time.Date(2026, 11, 20, 18, 29, 59, 0, time.UTC) // 23:59:59 IST
	after := before.Add(time.Second)                           // 00:00 IST, 21 Nov
	if DayOf(after) != DayOf(before)+1 {
		t.Fatalf("DayOf(%v) = %d, DayOf(%v) = %d: want the next day at IST midnight", before, DayOf(before), after, DayOf(after))
	}
	if got := DayOf(after).String(); got != "2026-11-21" {
		t.Errorf("day = %s, want 2026-11-21", got)
	}
	if !DayOf(after).Start().Equal(after) {
		t.Errorf("Start = %v, want %v", DayOf(after).Start(), after)
	}
	if h := HourOf(after); !h.Start().Equal(after) || HourOf(after.Add(-time.Nanosecond)) != h-1 {
		t.Errorf("IST hours should start at half past the UTC hour")
	}
}

func TestBucketsCoverEveryHourOnce(t *testing.T) {
	for hours := int64(0); hours < 40*24; hours++ {
		b := BucketOfHours(hours)
		lo, hi := BucketBounds(b)
		d := time.Duration(hours) * time.Hour
		if d < lo || (hi != 0 && d >= hi) {
			t.Fatalf("%d h in bucket %d = [%v, %v)", hours, b, lo, hi)
		}
	}
	if BucketOfHours(30*24) != Buckets-1 || BucketOfHours(1e6) != Buckets-1 {
		t.Error("30 days and more should be the last bucket")
	}
}

func TestPercentile(t *testing.T) {
	var h Histogram
	for _, hours := range []int{1, 2, 2, 3, 10, 10, 10, 10, 50, 100} {
		h = h.Count(BucketOfHours(int64(hours)), 1)
	}
	if s, _ := h.Percentile(0.5); s.Lo != 10*time.Hour || s.Hi != 11*time.Hour {
		t.Errorf("median = %+v, want [10h, 11h)", s)
	}
	if s, _ := h.Percentile(0.9); s.Lo != 48*time.Hour+2*time.Hour || s.Hi != 51*time.Hour {
		t.Errorf("p90 = %+v, want [50h, 51h)", s)
	}
	if _, ok := (Histogram{}).Percentile(0.5); ok {
		t.Error("an empty histogram has no median")
	}
}

func TestBucketOfDurations(t *testing.T) {
	// A time falls in the bucket of its whole hours: a millisecond short of a bound is still
	// in the bucket below it.
	h := time.Hour
	for _, c := range []struct {
		d      time.Duration
		lo, hi time.Duration
	}{
		{-time.Minute, 0, h}, // completed before it was submitted, by another instance's clock
		{0, 0, h},
		{h - time.Millisecond, 0, h},
		{72*h - time.Millisecond, 71 * h, 72 * h},
		{72 * h, 72 * h, 78 * h},
		{168*h - time.Millisecond, 162 * h, 168 * h},
		{168 * h, 168 * h, 192 * h},
		{720*h - time.Millisecond, 696 * h, 720 * h},
		{720 * h, 720 * h, 0},
		{5000 * h, 720 * h, 0},
	} {
		if lo, hi := BucketBounds(BucketOf(c.d)); lo != c.lo || hi != c.hi {
			t.Errorf("%v in [%v, %v), want [%v, %v)", c.d, lo, hi, c.lo, c.hi)
		}
	}
}

func TestPercentileRanks(t *testing.T) {
	// The p-th percentile of n times is the bucket of the ceil(p*n)-th shortest.
	hours := func(from, to int64) Histogram {
		var h Histogram
		for n := from; n <= to; n++ {
			h = h.Count(BucketOfHours(n), 1)
		}
		return h
	}
	for _, c := range []struct {
		name string
		h    Histogram
		p    float64
		want Span
	}{
		{"p90 of 10: the 9th", hours(1, 10), 0.9, Span{9 * time.Hour, 10 * time.Hour}},
		{"p90 of 11: the 10th", hours(1, 11), 0.9, Span{10 * time.Hour, 11 * time.Hour}},
		{"p90 of 30: the 27th", hours(1, 30), 0.9, Span{27 * time.Hour, 28 * time.Hour}},
		{"median of 1", hours(5, 5), 0.5, Span{5 * time.Hour, 6 * time.Hour}},
		{"median of 2: the 1st", Histogram{}.Count(3, 1).Count(9, 1), 0.5, Span{3 * time.Hour, 4 * time.Hour}},
		{"median of 3: the 2nd", hours(1, 3), 0.5, Span{2 * time.Hour, 3 * time.Hour}},
		{"p100: the longest, in the open bucket", hours(1, 2).Count(Buckets-1, 1), 1, Span{720 * time.Hour, 0}},
		{"summed histograms of different lengths", Histogram{1}.Add(Histogram{0, 0, 0, 3}), 0.5, Span{3 * time.Hour, 4 * time.Hour}},
		{"many in one 6-hour bucket", Histogram{}.Count(BucketOfHours(80), 7).Count(0, 3), 0.5, Span{78 * time.Hour, 84 * time.Hour}},
	} {
		if got, ok := c.h.Percentile(c.p); !ok || got != c.want {
			t.Errorf("%s: %+v, %v; want %+v", c.name, got, ok, c.want)
		}
	}
	if _, ok := (Histogram{0, 0}).Percentile(0.9); ok {
		t.Error("a histogram of zeros has no percentile")
	}
	if _, ok := (Row{Completed: 0}).P90(); ok {
		t.Error("a row with nothing completed has a p90")
	}
}

func TestCompletionRate(t *testing.T) {
	for _, c := range []struct {
		row  Row
		rate float64
		ok   bool
	}{
		{Row{}, 0, false},
		{Row{Received: 9, Cancelled: 4}, 0, false}, // cancellations are the customer's, not settled
		{Row{Completed: 3, NotServiceable: 1, Cancelled: 5}, 0.75, true},
		{Row{NotServiceable: 2}, 0, true},
		{Row{Completed: 2}, 1, true},
	} {
		if rate, ok := c.row.CompletionRate(); rate != c.rate || ok != c.ok {
			t.Errorf("%+v: rate %v, %v; want %v, %v", c.row, rate, ok, c.rate, c.ok)
		}
	}
}

func TestOverdueAndAges(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 45, 0, 0, IST)
	submitted := HourOf(time.Date(2026, 11, 20, 9, 10, 0, 0, IST)) // the 09:00 IST hour
	// Due 48 h after the end of its hour: 10:00 IST on the 22nd.
	if Overdue(submitted, 48*time.Hour, now) {
		t.Error("overdue before the end of its hour plus the target")
	}
	if !Overdue(submitted, 48*time.Hour, now.Add(15*time.Minute)) {
		t.Error("not overdue at the end of its hour plus the target")
	}
	for hours, want := range map[int]int{0: 0, 23: 0, 24: 1, 71: 1, 72: 2, 167: 2, 168: 3, 1000: 3} {
		if got := ageBucket(hours); got != want {
			t.Errorf("age %d h in bucket %d, want %d", hours, got, want)
		}
	}
}

// TestOverdueIsTheRequestRule checks that the dashboard's overdue, by hour of submission,
// is the hour arithmetic it always was and request's rule for a request of that hour, over
// times around the IST hour boundaries.
func TestOverdueIsTheRequestRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, IST)
	for range 20000 {
		now := base.Add(time.Duration(rng.Int64N(int64(40 * 24 * time.Hour))))
		target := time.Duration(1+rng.IntN(720)) * time.Hour
		created := now.Add(-target).Add(time.Duration(rng.Int64N(int64(4*time.Hour))) - 2*time.Hour)
		if rng.IntN(4) == 0 { // right at an hour's edge
			created = HourOf(created).Start().Add(time.Duration(rng.IntN(3)-1) * time.Millisecond)
		}
		h := HourOf(created)
		want := h < HourOf(now.Add(-target))
		if got := Overdue(h, target, now); got != want {
			t.Fatalf("Overdue(hour of %v, %v, %v) = %v, want %v", created, target, now, got, want)
		}
		r := request.Request{Status: request.StatusSubmitted, CreatedAt: created}
		if got := r.Overdue(target, now); got != want {
			t.Fatalf("request submitted %v, target %v, at %v: overdue %v, the dashboard says %v", created, target, now, got, want)
		}
	}
}

func TestTargetHours(t *testing.T) {
	if got := targetHours(request.Service{TargetHours: 6}); got != 6 {
		t.Errorf("targetHours of a 6-hour service = %d", got)
	}
	if got := targetHours(request.Service{}); got != 48 {
		t.Errorf("targetHours of a service without one = %d, want the default 48", got)
	}
}

func TestParsePeriod(t *testing.T) {
	now := time.Date(2026, 12, 2, 0, 10, 0, 0, IST)
	p, err := ParsePeriod(PeriodMonth, "", "", now)
	if err != nil || p.From.String() != "2026-12-01" || p.To.String() != "2026-12-02" {
		t.Errorf("month = %+v, %v", p, err)
	}
	if p, _ := ParsePeriod(Period7Days, "", "", now); p.Days() != 7 {
		t.Errorf("7d has %d days", p.Days())
	}
	if _, err = ParsePeriod(PeriodCustom, "2026-12-05", "2026-12-01", now); err.(FieldErrors)[ParamFrom] == "" {
		t.Errorf("a start in the future: %v", err)
	}
	if _, err = ParsePeriod(PeriodCustom, "2026-11-20", "2026-11-01", now); err.(FieldErrors)[ParamTo] == "" {
		t.Errorf("an end before the start: %v", err)
	}
	if _, err := ParsePeriod("week", "", "", now); err == nil {
		t.Error("an unknown period was accepted")
	}
}

func TestSpanLabel(t *testing.T) {
	for _, c := range []struct {
		b    int
		want string
	}{
		{0, "under 1 hour"},
		{5, "5–6 hours"},
		{71, "71–72 hours"},
		{72, "3 days – 3 d 6 h"},
		{73, "3 d 6 h – 3 d 12 h"},
		{88, "7–8 days"},
		{Buckets - 1, "over 30 days"},
	} {
		lo, hi := BucketBounds(c.b)
		if got := (Span{Lo: lo, Hi: hi}).Label(); got != c.want {
			t.Errorf("bucket %d (%v to %v): %q, want %q", c.b, lo, hi, got, c.want)
		}
	}
}

func TestSortTiesReadAToZ(t *testing.T) {
	rows := []Row{
		{Unit: Unit{DivisionLevel, "Mathura Division"}, Overdue: 1},
		{Unit: Unit{DivisionLevel, "agra Division"}, Overdue: 0},
		{Unit: Unit{DivisionLevel, "Etah Division"}, Overdue: 1},
		{Unit: Unit{DivisionLevel, "Aligarh Division"}, Overdue: 0},
	}
	names := func() string {
		var s []string
		for _, r := range rows {
			s = append(s, r.Unit.Name)
		}
		return strings.Join(s, ", ")
	}
	for _, c := range []struct {
		column string
		desc   bool
		want   string
	}{
		{SortOverdue, true, "Etah Division, Mathura Division, agra Division, Aligarh Division"},
		{SortOverdue, false, "agra Division, Aligarh Division, Etah Division, Mathura Division"},
		{SortName, true, "Mathura Division, Etah Division, Aligarh Division, agra Division"},
	} {
		Sort(rows, c.column, c.desc)
		if got := names(); got != c.want {
			t.Errorf("by %s, desc %v: %s, want %s", c.column, c.desc, got, c.want)
		}
	}
}

// A recount counts closed requests without open rows; Compare names each counter that
// differs, with both values.
func TestRecountAndCompare(t *testing.T) {
	created := time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC)
	closed := Raw{Service: "aeps_cash", Division: "Agra Division", Region: "Agra Region", Circle: "Uttar Pradesh Circle",
		Status: request.StatusCompleted, CreatedAt: created, ClosedAt: created.Add(3*time.Hour + time.Minute)}
	open := closed
	open.Status = request.StatusInProgress
	var actual Tally
	actual.Recount(closed)
	// A row per level of the hierarchy, and one of all services for each below the nation.
	if days, openRows := actual.Rows(); days != 7 || openRows != 0 {
		t.Errorf("a completed request: %d daily and %d open rows, want 7 and 0", days, openRows)
	}
	actual.Recount(open)

	var stored Tally
	stored.Recount(closed)
	stored.Submitted(request.Request{ServiceCode: open.Service, Division: open.Division, Region: open.Region, Circle: open.Circle, CreatedAt: open.CreatedAt})
	if diffs := Compare(&stored, &actual); len(diffs) != 0 {
		t.Fatalf("equal tallies differ: %+v", diffs)
	}
	stored.addDay(DayKey{"division:Agra Division", DayOf(created), "aeps_cash"}, DayCounts{Completed: 1, Completion: Histogram{}.Count(BucketOf(40*time.Hour), 1)})
	diffs := Compare(&stored, &actual)
	want := []Difference{
		{Unit: "division:Agra Division", When: "2026-11-20", Service: "aeps_cash", Field: "completed", Stored: "2", Actual: "1"},
		{Unit: "division:Agra Division", When: "2026-11-20", Service: "aeps_cash", Field: "completion", Stored: "3-4h:1 40-41h:1", Actual: "3-4h:1"},
	}
	if !slices.Equal(diffs, want) {
		t.Errorf("differences\n%+v\nwant\n%+v", diffs, want)
	}
}
