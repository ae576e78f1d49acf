package chart

import (
	"math"
	"strconv"
	"strings"
)

// scale is the y axis: from lo to hi in steps of step, all whole numbers.
type scale struct{ lo, hi, step float64 }

// niceScale covers min..max and zero with 3 to 5 round ticks (up to 6 when there are values
// below zero). The arithmetic is in float64 so that values near the int64 limits cannot
// overflow.
func niceScale(min, max int64) scale {
	lo, hi := math.Min(0, float64(min)), math.Max(0, float64(max))
	if lo == hi { // all zero: still an axis to read the zeros against
		hi = 1
	}
	step := niceStep((hi - lo) / 4)
	s := scale{lo: math.Floor(lo/step) * step, hi: math.Ceil(hi/step) * step, step: step}
	if s.intervals() < 2 {
		s.hi = s.lo + 2*step
	}
	return s
}

// niceStep is the smallest of 1, 2, 2.5, 5 times a power of ten at least raw, and at least
// 1: counts have no fractions to tick.
func niceStep(raw float64) float64 {
	if raw <= 1 {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m == 2.5 && mag < 10 {
			continue
		}
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

func (s scale) intervals() int { return int(math.Round((s.hi - s.lo) / s.step)) }

func (s scale) ticks() []float64 {
	t := make([]float64, s.intervals()+1)
	for i := range t {
		t[i] = s.lo + float64(i)*s.step
	}
	return t
}

// y maps a value into the plot, top at top and lo at bottom.
func (s scale) y(v float64, top, bottom float64) float64 {
	return bottom - (v-s.lo)/(s.hi-s.lo)*(bottom-top)
}

// grouped writes n with thousands separators: 1,234,567.
func grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// compact writes v short enough for an axis: 9,500 as it is, 12,500 as 12.5k, 1,500,000 as
// 1.5M.
func compact(v float64) string {
	a := math.Abs(v)
	if a < 10000 {
		return grouped(int64(v))
	}
	units := []struct {
		size   float64
		suffix string
	}{{1e3, "k"}, {1e6, "M"}, {1e9, "B"}, {1e12, "T"}}
	for i := len(units) - 1; i >= 0; i-- {
		u := units[i]
		if a < u.size {
			continue
		}
		x := math.Round(v/u.size*10) / 10
		if math.Abs(x) >= 1000 && i+1 < len(units) { // 999,960 is 1M, not 1000k
			u = units[i+1]
			x = math.Round(v/u.size*10) / 10
		}
		if math.Abs(x) >= 1000 {
			break
		}
		return strconv.FormatFloat(x, 'f', -1, 64) + u.suffix
	}
	return strconv.FormatFloat(v, 'g', 2, 64)
}
