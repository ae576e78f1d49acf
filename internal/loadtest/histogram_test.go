package loadtest

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// exactQuantile is the nearest-rank quantile of sorted values.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

func TestHistogramQuantilesWithinHalfPercent(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 7))
	// Log-normal latencies around 5 ms with a long tail, spread over 8 workers' histograms.
	var hs [8]histogram
	var all []time.Duration
	for i := range 200_000 {
		d := time.Duration(math.Exp(rng.NormFloat64()*0.9) * float64(5*time.Millisecond))
		hs[i%len(hs)].record(d)
		all = append(all, d)
	}
	var h histogram
	for i := range hs {
		h.merge(&hs[i])
	}
	slices.Sort(all)
	for _, q := range []float64{0.001, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 1} {
		got, want := h.quantile(q), exactQuantile(all, q)
		if rel := math.Abs(float64(got-want)) / float64(want); rel > 0.005 {
			t.Errorf("q%v = %v; exact %v (error %.2f%%)", q, got, want, rel*100)
		}
	}
	if h.quantile(1) != all[len(all)-1] {
		t.Errorf("max = %v; want exactly %v", h.quantile(1), all[len(all)-1])
	}
	if h.n != uint64(len(all)) {
		t.Errorf("n = %d; want %d", h.n, len(all))
	}
}

func TestHistogramSmallCases(t *testing.T) {
	var empty histogram
	if got := empty.quantile(0.5); got != 0 {
		t.Errorf("empty p50 = %v; want 0", got)
	}

	var one histogram
	one.record(12345 * time.Microsecond)
	for _, q := range []float64{0.5, 0.99, 1} {
		if got := one.quantile(q); got != 12345*time.Microsecond {
			t.Errorf("single value: q%v = %v; want 12.345ms", q, got)
		}
	}

	// 1..100 ns are each in a bucket of their own: quantiles are exact.
	var h histogram
	for v := 100; v >= 1; v-- {
		h.record(time.Duration(v))
	}
	for q, want := range map[float64]time.Duration{0.01: 1, 0.5: 50, 0.95: 95, 0.99: 99, 1: 100} {
		if got := h.quantile(q); got != want {
			t.Errorf("1..100: q%v = %v; want %v", q, got, want)
		}
	}

	// Very long values land in the last bucket and the maximum stays exact.
	var long histogram
	long.record(time.Millisecond)
	long.record(5 * time.Hour)
	if got := long.quantile(1); got != 5*time.Hour {
		t.Errorf("max = %v; want 5h", got)
	}
	if got := long.quantile(0.5); got < time.Millisecond || got > time.Millisecond*1005/1000 {
		t.Errorf("p50 = %v; want 1ms within 0.5%%", got)
	}
}

func TestHistogramBuckets(t *testing.T) {
	// Every bucket's range starts where the previous one ends, and values map into their own.
	prevEnd := uint64(0)
	for i := range numBuckets {
		low, width := bucketRange(i)
		if low != prevEnd {
			t.Fatalf("bucket %d starts at %d; previous ended at %d", i, low, prevEnd)
		}
		if bucketOf(low) != i || bucketOf(low+width-1) != i {
			t.Fatalf("bucket %d [%d, %d) does not hold its ends: %d, %d", i, low, low+width, bucketOf(low), bucketOf(low+width-1))
		}
		if i >= subCount && float64(width)/float64(low) > 1.0/subCount {
			t.Fatalf("bucket %d is %d wide at %d: more than 1/%d", i, width, low, subCount)
		}
		prevEnd = low + width
	}
}
