package dashboard

import (
	"slices"
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
	if days, openRows := actual.Rows(); days != 4 || openRows != 0 {
		t.Errorf("a completed request: %d daily and %d open rows, want 4 and 0", days, openRows)
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
