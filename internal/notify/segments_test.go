package notify

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestGSMAlphabet(t *testing.T) {
	if n := utf8.RuneCountInString(gsmBasic); n != 127 { // 128 codes, one of them the escape
		t.Errorf("basic set has %d characters, want 127", n)
	}
	if n := utf8.RuneCountInString(gsmExtension); n != 10 {
		t.Errorf("extension table has %d characters, want 10", n)
	}
	for _, r := range gsmBasic {
		if strings.ContainsRune(gsmExtension, r) {
			t.Errorf("%q is in both tables", r)
		}
	}
	for r := rune(' '); r < 0x7f; r++ {
		want := 1
		switch {
		case r == '`':
			want = 0
		case strings.ContainsRune("^{}\\[~]|", r):
			want = 2
		}
		if got := gsmSeptets(r); got != want {
			t.Errorf("gsmSeptets(%q) = %d, want %d", r, got, want)
		}
	}
}

func TestSegments(t *testing.T) {
	a, hi := strings.Repeat, "अ"
	emoji := "😀" // outside the BMP: a surrogate pair
	cases := []struct {
		name     string
		text     string
		encoding string
		segments int
	}{
		{"empty", "", GSM7, 1},
		{"short", "Doorstep: your request DS-7KQ4M-9XP3C is registered.", GSM7, 1},
		{"160 GSM", a("a", 160), GSM7, 1},
		{"161 GSM", a("a", 161), GSM7, 2},
		{"306 GSM", a("a", 306), GSM7, 2},
		{"307 GSM", a("a", 307), GSM7, 3},
		{"GSM accents and Greek", a("é", 80) + a("Ω", 80), GSM7, 1},
		{"80 extension chars = 160 septets", a("€", 80), GSM7, 1},
		{"81 extension chars = 162 septets", a("€", 81), GSM7, 2},
		{"159 + one extension char", a("a", 159) + "{", GSM7, 2},
		{"158 + one extension char", a("a", 158) + "]", GSM7, 1},
		{"every extension char", "^{}\\[~]|€\f", GSM7, 1},
		// 152 + 2 would split the escape from its character: the € starts part 2, which then
		// holds 2 + 151 = 153, and the last 'a' needs a third part (306 septets in all).
		{"extension char not split across parts", a("a", 152) + "€" + a("a", 152), GSM7, 3},
		{"backquote is not GSM", "`" + a("a", 69), UCS2, 1},
		{"70 UCS-2", a(hi, 70), UCS2, 1},
		{"71 UCS-2", a(hi, 71), UCS2, 2},
		{"134 UCS-2", a(hi, 134), UCS2, 2},
		{"135 UCS-2", a(hi, 135), UCS2, 3},
		{"one Hindi char makes it UCS-2", "a" + hi, UCS2, 1},
		{"one rupee sign makes 100 chars UCS-2", "₹" + a("a", 99), UCS2, 2},
		{"35 emoji = 70 units", a(emoji, 35), UCS2, 1},
		{"36 emoji = 72 units", a(emoji, 36), UCS2, 2},
		{"69 units + emoji", a(hi, 69) + emoji, UCS2, 2},
		{"68 units + emoji", a(hi, 68) + emoji, UCS2, 1},
		// 66 + 2 would split the pair: it starts part 2 (2 + 65 = 67), the last one needs part 3.
		{"surrogate pair not split across parts", a(hi, 66) + emoji + a(hi, 66), UCS2, 3},
	}
	for _, c := range cases {
		encoding, segments := Segments(c.text)
		if encoding != c.encoding || segments != c.segments {
			t.Errorf("%s: Segments = %s, %d; want %s, %d", c.name, encoding, segments, c.encoding, c.segments)
		}
	}
}

func TestGSMFold(t *testing.T) {
	in := "Collected at 10\u00a0am \u2013 \u201cparcel\u201d isn\u2019t sealed\u2026 \u20b9500 paid"
	out := gsmFold.Replace(in)
	if want := `Collected at 10 am - "parcel" isn't sealed... Rs 500 paid`; out != want {
		t.Errorf("gsmFold = %q, want %q", out, want)
	}
	if enc, _ := Segments(out); enc != GSM7 {
		t.Errorf("folded text is %s", enc)
	}
}
