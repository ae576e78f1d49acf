package loadtest

import (
	"math"
	"math/bits"
	"time"
)

// A histogram counts latencies in log-linear buckets, like HdrHistogram: values below
// 2^subBits nanoseconds have a bucket each, and every power of two above is split into
// 2^subBits equal buckets. A bucket is therefore at most 1/128 of its lower bound wide, and
// quantile, which answers with a bucket's midpoint, is within 0.4% of the exact value. The
// minimum and maximum are kept exactly. Memory is fixed (about 37 KiB) however long the run.
type histogram struct {
	counts   []uint64 // allocated on the first record
	n        uint64
	min, max time.Duration
}

const (
	subBits  = 7
	subCount = 1 << subBits
	// maxBits bounds the values told apart: 2^43 ns is about 2.4 hours; anything longer is
	// counted in the last bucket (and still reported exactly as the maximum).
	maxBits    = 43
	numBuckets = (maxBits - subBits + 1) * subCount
)

func bucketOf(v uint64) int {
	if v >= 1<<maxBits {
		v = 1<<maxBits - 1
	}
	if v < subCount {
		return int(v)
	}
	shift := bits.Len64(v) - 1 - subBits
	return (shift+1)*subCount + int(v>>shift) - subCount
}

// bucketRange returns the lowest value of bucket i and its width.
func bucketRange(i int) (low, width uint64) {
	if i < subCount {
		return uint64(i), 1
	}
	shift := i/subCount - 1
	return uint64(i%subCount+subCount) << shift, 1 << shift
}

func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	if h.counts == nil {
		h.counts = make([]uint64, numBuckets)
	}
	h.counts[bucketOf(uint64(d))]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
}

func (h *histogram) merge(o *histogram) {
	if o.n == 0 {
		return
	}
	if h.counts == nil {
		h.counts = make([]uint64, numBuckets)
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
}

// quantile returns the q-quantile (0 < q <= 1) by the nearest-rank rule: the smallest recorded
// value that at least q of all values do not exceed. It is 0 for an empty histogram.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	if q >= 1 {
		return h.max
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		if seen += c; seen >= rank {
			low, width := bucketRange(i)
			v := time.Duration(low + width/2)
			return min(max(v, h.min), h.max)
		}
	}
	return h.max
}
