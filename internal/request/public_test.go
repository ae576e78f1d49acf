package request

import (
	"strings"
	"testing"
	"unicode"
)

// initialsByWords is how Initials was first written, the reference for AppendInitials.
func initialsByWords(name string) string {
	var out []string
	for _, word := range strings.Fields(name) {
		for _, r := range word {
			if unicode.IsLetter(r) {
				out = append(out, string(unicode.ToUpper(r))+".")
				break
			}
		}
	}
	return strings.Join(out, " ")
}

func FuzzInitials(f *testing.F) {
	for _, s := range []string{"", "Asha Devi", "  asha\tdevi\n sharma ", "आशा देवी", "1st 2nd", "'o neil", "x\u00a0y\u2028z",
		"\xff\xfe a", "ǆemal ß", "A.B. C", "\u0085a\u3000b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := Initials(name), initialsByWords(name); got != want {
			t.Errorf("Initials(%q) = %q, want %q", name, got, want)
		}
	})
}

func FuzzMaskMobile(f *testing.F) {
	for _, s := range []string{"", "1", "1234", "12345", "9876543210", "+91 98765 43210", "\xff\xfe\xfd\xfc\xfb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, mobile string) {
		if got, want := string(AppendMaskedMobile([]byte("x"), mobile)), "x"+MaskMobile(mobile); got != want {
			t.Errorf("AppendMaskedMobile(%q) = %q, want %q", mobile, got, want)
		}
	})
}

func TestReferenceAppendPrinted(t *testing.T) {
	for _, r := range []Reference{NewReference(), "", "DS", "DS7KQ4M9XP3C", "odd"} {
		if got := string(r.AppendPrinted([]byte("x"))); got != "x"+r.String() {
			t.Errorf("AppendPrinted(%q) = %q, want x%q", r, got, r.String())
		}
	}
}
