package otp

import (
	"errors"
	"testing"
)

func TestNewCode(t *testing.T) {
	seen := map[string]bool{}
	firstDigits := map[byte]int{}
	for range 5000 {
		c := NewCode()
		if _, err := NormalizeCode(c); err != nil {
			t.Fatalf("%q: %v", c, err)
		}
		seen[c] = true
		firstDigits[c[0]]++
	}
	if len(seen) < 4900 {
		t.Errorf("only %d distinct codes in 5000", len(seen))
	}
	if len(firstDigits) != 10 || firstDigits['0'] < 350 {
		t.Errorf("leading digits not uniform (zeros kept?): %v", firstDigits)
	}
}

func TestNormalizeCode(t *testing.T) {
	if c, err := NormalizeCode(" 482 913 "); err != nil || c != "482913" {
		t.Errorf("got %q, %v", c, err)
	}
	for _, bad := range []string{"", "48291", "4829134", "48291a", "४८२९१३"} {
		if _, err := NormalizeCode(bad); !errors.Is(err, ErrFormat) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestHash(t *testing.T) {
	a, b := Hash("482913"), Hash("482913")
	if a.Salt == b.Salt || a.Hash == b.Hash {
		t.Error("two hashes of one code are alike: the salt is not random")
	}
	if a.Hash == "482913" || len(a.Hash) != 64 {
		t.Errorf("hash %q", a.Hash)
	}
	if !a.Matches("482913") || a.Matches("482914") || a.Matches("") {
		t.Error("Matches is wrong")
	}
}

func TestVerdict(t *testing.T) {
	stored := Hash("482913")
	tests := []struct {
		code   string
		before int
		want   error
	}{
		{"482913", 0, nil},
		{"482913", MaxAttempts - 1, nil},
		{"482913", MaxAttempts, ErrLocked},
		{"000000", 0, ErrWrongCode},
		{"000000", MaxAttempts - 2, ErrWrongCode},
		{"000000", MaxAttempts - 1, ErrLocked},
	}
	for _, tt := range tests {
		if got := Verdict(stored, tt.code, tt.before); !errors.Is(got, tt.want) || (tt.want == nil && got != nil) {
			t.Errorf("Verdict(%s, %d) = %v, want %v", tt.code, tt.before, got, tt.want)
		}
	}
}
