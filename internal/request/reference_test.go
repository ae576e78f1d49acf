package request

import (
	"errors"
	"strings"
	"testing"
)

func TestNewReferenceFormat(t *testing.T) {
	seen := make(map[Reference]bool)
	for range 10000 {
		ref := NewReference()
		printed := ref.String()
		if len(printed) > 14 {
			t.Fatalf("%q is longer than 14 characters", printed)
		}
		if strings.ContainsAny(printed[3:], "01OIL") {
			t.Fatalf("%q has a confusable character", printed)
		}
		if strings.Trim(string(ref[2:]), "23456789") == "" {
			t.Fatalf("%q is all digits", ref)
		}
		parsed, err := ParseReference(printed)
		if err != nil || parsed != ref {
			t.Fatalf("ParseReference(%q) = %q, %v", printed, parsed, err)
		}
		if seen[ref] {
			t.Fatalf("duplicate %q in 10,000 draws", ref)
		}
		seen[ref] = true
	}
}

func TestReferenceSymbolsAreUniform(t *testing.T) {
	counts := make(map[byte]int)
	const draws = 20000
	for range draws {
		ref := NewReference()
		for i := 2; i < 11; i++ {
			counts[ref[i]]++
		}
	}
	expected := float64(draws*9) / 31
	for _, c := range []byte(referenceAlphabet) {
		if got := float64(counts[c]); got < expected*0.9 || got > expected*1.1 {
			t.Errorf("symbol %c drawn %v times, expected about %.0f", c, got, expected)
		}
	}
}

func TestParseReferenceForgivesLayout(t *testing.T) {
	ref := NewReference()
	body := string(ref[2:])
	for _, in := range []string{
		ref.String(),
		string(ref),
		strings.ToLower(ref.String()),
		" ds " + body[:5] + " " + body[5:] + " ",
		body,
		"d-s-" + strings.ToLower(body),
	} {
		got, err := ParseReference(in)
		if err != nil || got != ref {
			t.Errorf("ParseReference(%q) = %q, %v; want %q", in, got, err, ref)
		}
	}
}

func TestParseReferenceRejects(t *testing.T) {
	for _, in := range []string{"", "DS", "DS-ABCDE-FGHJ", "DS-ABCDE-FGHJKM", "DS-0BCDE-FGHJK", "XX-ABCDE-FGHJK", "DS-ABCDE-FGHJ\u0915"} {
		if _, err := ParseReference(in); !errors.Is(err, ErrReferenceFormat) {
			t.Errorf("ParseReference(%q) error = %v, want ErrReferenceFormat", in, err)
		}
	}
}

// Every single wrong symbol and every swap of two different neighbours must be caught:
// checked exhaustively over a sample of references.
func TestReferenceCheckCatchesTypos(t *testing.T) {
	for range 300 {
		ref := NewReference()
		symbols := []byte(ref[2:])
		for pos := range symbols {
			for _, c := range []byte(referenceAlphabet) {
				if c == symbols[pos] {
					continue
				}
				typo := append([]byte(nil), symbols...)
				typo[pos] = c
				if _, err := ParseReference(string(typo)); !errors.Is(err, ErrReferenceCheck) {
					t.Fatalf("%s with %c at %d: error = %v, want ErrReferenceCheck", ref, c, pos, err)
				}
			}
		}
		for pos := 0; pos+1 < len(symbols); pos++ {
			if symbols[pos] == symbols[pos+1] {
				continue
			}
			swapped := append([]byte(nil), symbols...)
			swapped[pos], swapped[pos+1] = swapped[pos+1], swapped[pos]
			if _, err := ParseReference(string(swapped)); !errors.Is(err, ErrReferenceCheck) {
				t.Fatalf("%s with %d,%d swapped: error = %v, want ErrReferenceCheck", ref, pos, pos+1, err)
			}
		}
	}
}

func FuzzParseReference(f *testing.F) {
	f.Add("DS-ABCDE-FGHJK")
	f.Add(string(NewReference()))
	f.Fuzz(func(t *testing.T, in string) {
		ref, err := ParseReference(in)
		if err != nil {
			return
		}
		again, err := ParseReference(ref.String())
		if err != nil || again != ref {
			t.Fatalf("round trip of %q: %q, %v", ref, again, err)
		}
	})
}
