package dashboard

import (
	"fmt"
	"time"
)

// Times from submission to completion are counted in a histogram, so that medians and
// percentiles over any period and unit are sums of small fixed arrays, not reads of every
// request. Its buckets are an hour wide for the first three days (where most requests are
// completed), six hours wide to a week, a day wide to 30 days, and one bucket beyond: a
// percentile is known to within its bucket.
const (
	hourlyUntil   = 72 * time.Hour
	sixHourlyTill = 7 * day
	dailyUntil    = 30 * day
	// Buckets is the number of buckets: 72 + 16 + 23 + 1.
	Buckets = int(hourlyUntil/time.Hour) + int((sixHourlyTill-hourlyUntil)/(6*time.Hour)) +
		int((dailyUntil-sixHourlyTill)/day) + 1
)

// Precision says, for people, how exact the times are.
const Precision = "to the hour within 3 days, to 6 hours within a week, to the day within 30 days"

// BucketOfHours is the bucket of a time to complete of whole hours (rounded down); the
// buckets' bounds are whole hours, so this is the same as BucketOf.
func BucketOfHours(hours int64) int {
	switch {
	case hours < 0:
		return 0
	case hours < int64(hourlyUntil/time.Hour):
		return int(hours)
	case hours < int64(sixHourlyTill/time.Hour):
		return int(hourlyUntil/time.Hour) + int((hours-int64(hourlyUntil/time.Hour))/6)
	case hours < int64(dailyUntil/time.Hour):
		return int(hourlyUntil/time.Hour) + int((sixHourlyTill-hourlyUntil)/(6*time.Hour)) +
			int((hours-int64(sixHourlyTill/time.Hour))/24)
	}
	return Buckets - 1
}

// BucketOf is the bucket of a time to complete.
func BucketOf(d time.Duration) int { return BucketOfHours(int64(d / time.Hour)) }

// BucketBounds is the range [lo, hi) of a bucket; hi is 0 for the last, which has no end.
func BucketBounds(b int) (lo, hi time.Duration) {
	const hourly, sixHourly = int(hourlyUntil / time.Hour), int((sixHourlyTill - hourlyUntil) / (6 * time.Hour))
	switch {
	case b < hourly:
		return time.Duration(b) * time.Hour, time.Duration(b+1) * time.Hour
	case b < hourly+sixHourly:
		lo = hourlyUntil + time.Duration(b-hourly)*6*time.Hour
		return lo, lo + 6*time.Hour
	case b < Buckets-1:
		lo = sixHourlyTill + time.Duration(b-hourly-sixHourly)*day
		return lo, lo + day
	}
	return dailyUntil, 0
}

// Histogram counts completions per bucket. It may be shorter than Buckets (the missing
// buckets are zero); stored histograms are trimmed of trailing zeros.
type Histogram []int64

// Add adds o to h, growing h as needed, and returns it.
func (h Histogram) Add(o Histogram) Histogram {
	if len(o) > len(h) {
		h = append(h, make(Histogram, len(o)-len(h))...)
	}
	for i, n := range o {
		h[i] += n
	}
	return h
}

// Count adds n completions to bucket b and returns the histogram.
func (h Histogram) Count(b, n int) Histogram {
	if b >= len(h) {
		h = append(h, make(Histogram, b+1-len(h))...)
	}
	h[b] += int64(n)
	return h
}

// Total is the number of completions counted.
func (h Histogram) Total() int64 {
	var t int64
	for _, n := range h {
		t += n
	}
	return t
}

// Trimmed is h without trailing zero buckets.
func (h Histogram) Trimmed() Histogram {
	for len(h) > 0 && h[len(h)-1] == 0 {
		h = h[:len(h)-1]
	}
	return h
}

// Span is a time known to lie in [Lo, Hi); Hi is 0 when it is at least Lo with no bound.
type Span struct{ Lo, Hi time.Duration }

// Label says the span for people: "under 1 hour", "5–6 hours", "3 d 6 h – 3 d 12 h",
// "8–9 days", "over 30 days".
func (s Span) Label() string {
	switch {
	case s.Hi == 0:
		return "over " + spanEnd(s.Lo)
	case s.Lo == 0 && s.Hi == time.Hour:
		return "under 1 hour"
	case s.Hi <= hourlyUntil:
		return fmt.Sprintf("%d–%d hours", s.Lo/time.Hour, s.Hi/time.Hour)
	case s.Lo%day == 0 && s.Hi%day == 0:
		return fmt.Sprintf("%d–%d days", s.Lo/day, s.Hi/day)
	}
	return spanEnd(s.Lo) + " – " + spanEnd(s.Hi)
}

// spanEnd is one end of a span: whole days, or days and hours.
func spanEnd(d time.Duration) string {
	days, hours := d/day, (d%day)/time.Hour
	if hours == 0 {
		return fmt.Sprintf("%d days", days)
	}
	return fmt.Sprintf("%d d %d h", days, hours)
}

// Percentile is the bucket the p-th percentile (0 < p <= 1) of the counted times lies in:
// the smallest bucket with at least p of the completions at or below it. ok is false for an
// empty histogram.
func (h Histogram) Percentile(p float64) (s Span, ok bool) {
	total := h.Total()
	if total == 0 {
		return Span{}, false
	}
	// The rank of the p-th percentile among total completions, rounded up (nearest rank).
	rank := int64(p*float64(total) + 0.999999999)
	rank = min(max(rank, 1), total)
	var seen int64
	for b, n := range h {
		if seen += n; seen >= rank {
			lo, hi := BucketBounds(b)
			return Span{lo, hi}, true
		}
	}
	return Span{}, false // not reached
}
