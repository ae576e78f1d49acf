package loadtest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Op is one kind of API call the load test makes.
type Op string

// The operations a mix can weigh.
const (
	// OpSubmit raises a new request: POST /api/v1/requests.
	OpSubmit Op = "submit"
	// OpTrack tracks a request this run created: GET /api/v1/requests/{reference}.
	OpTrack Op = "track"
	// OpTrackMobile lists the requests of a mobile this run used: GET /api/v1/requests?mobile=.
	OpTrackMobile Op = "track_mobile"
)

// Ops lists every operation, in the order reports show them.
var Ops = []Op{OpSubmit, OpTrack, OpTrackMobile}

// maxWeight bounds one weight so that sums cannot overflow.
const maxWeight = 1_000_000

// Weight is one operation's share of a mix.
type Weight struct {
	Op     Op
	Weight int
}

// Mix is how often each operation is chosen: an operation with weight w out of a total W is
// chosen with probability w/W. Weights are positive.
type Mix []Weight

// ParseMix reads a mix written like "submit=20,track=80": operation=weight pairs separated by
// commas, each operation at most once, each weight a positive integer. Weights need not add up
// to 100; they are normalised.
func ParseMix(s string) (Mix, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("the mix is empty; write it like submit=20,track=80")
	}
	var m Mix
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		name, value, found := strings.Cut(item, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case item == "":
			return nil, fmt.Errorf("the mix %q has an empty item; write it like submit=20,track=80", s)
		case !found:
			return nil, fmt.Errorf("%q in the mix is not operation=weight, like submit=20", item)
		}
		op := Op(name)
		if !op.valid() {
			return nil, fmt.Errorf("unknown operation %q in the mix; the operations are %s", name, opList())
		}
		if m.has(op) {
			return nil, fmt.Errorf("operation %q is given twice in the mix", name)
		}
		w, err := strconv.Atoi(value)
		if err != nil || w < 1 || w > maxWeight {
			return nil, fmt.Errorf("the weight of %s must be a whole number from 1 to %d, not %q", name, maxWeight, value)
		}
		m = append(m, Weight{Op: op, Weight: w})
	}
	return m, nil
}

func (op Op) valid() bool {
	for _, o := range Ops {
		if op == o {
			return true
		}
	}
	return false
}

func opList() string {
	names := make([]string, len(Ops))
	for i, op := range Ops {
		names[i] = string(op)
	}
	return strings.Join(names, ", ")
}

// String is the mix as ParseMix reads it.
func (m Mix) String() string {
	parts := make([]string, len(m))
	for i, w := range m {
		parts[i] = fmt.Sprintf("%s=%d", w.Op, w.Weight)
	}
	return strings.Join(parts, ",")
}

// Share is the fraction of calls that are op, from 0 to 1.
func (m Mix) Share(op Op) float64 {
	total, mine := 0, 0
	for _, w := range m {
		total += w.Weight
		if w.Op == op {
			mine += w.Weight
		}
	}
	if total == 0 {
		return 0
	}
	return float64(mine) / float64(total)
}

func (m Mix) has(op Op) bool {
	for _, w := range m {
		if w.Op == op {
			return true
		}
	}
	return false
}

func (m Mix) validate() error {
	if len(m) == 0 {
		return errors.New("the mix is empty; give at least one operation, like submit=20,track=80")
	}
	seen := map[Op]bool{}
	for _, w := range m {
		switch {
		case !w.Op.valid():
			return fmt.Errorf("unknown operation %q in the mix; the operations are %s", w.Op, opList())
		case seen[w.Op]:
			return fmt.Errorf("operation %q is given twice in the mix", w.Op)
		case w.Weight < 1 || w.Weight > maxWeight:
			return fmt.Errorf("the weight of %s must be from 1 to %d, not %d", w.Op, maxWeight, w.Weight)
		}
		seen[w.Op] = true
	}
	return nil
}

// pick chooses an operation with the mix's probabilities.
func (m Mix) pick(rng *rand.Rand) Op {
	total := 0
	for _, w := range m {
		total += w.Weight
	}
	n := rng.IntN(total)
	for _, w := range m {
		if n < w.Weight {
			return w.Op
		}
		n -= w.Weight
	}
	return m[len(m)-1].Op
}
