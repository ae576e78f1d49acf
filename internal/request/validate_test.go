package request

import (
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	ok := map[string]string{
		"Asha Devi":           "Asha Devi",
		"  R.  K.   Narayan ": "R. K. Narayan",
		"D'Souza-Fernandes":   "D'Souza-Fernandes",
		"आशा देवी":            "आशा देवी",
		"க. ராமசாமி":          "க. ராமசாமி",
		"সুব্রত মুখার্জী":     "সুব্রত মুখার্জী",
		"Al":                     "Al",
		strings.Repeat("a", 100): strings.Repeat("a", 100),
	}
	for in, want := range ok {
		got, msg := NormalizeName(in)
		if msg != "" || got != want {
			t.Errorf("NormalizeName(%q) = %q, %q; want %q", in, got, msg, want)
		}
	}
	for _, in := range []string{"", "  ", "A", "R2D2", "<script>", "Asha\tDevi\x00", "...", strings.Repeat("a", 101), "Asha@Devi"} {
		if _, msg := NormalizeName(in); msg == "" {
			t.Errorf("NormalizeName(%q) accepted it", in)
		}
	}
}

func TestNormalizeMobile(t *testing.T) {
	ok := map[string]string{
		"9876543210":      "9876543210",
		"98765 43210":     "9876543210",
		"+91 98765 43210": "9876543210",
		"+919876543210":   "9876543210",
		"919876543210":    "9876543210",
		"09876543210":     "9876543210",
		"  6000000000 ":   "6000000000",
		"+91-98765-43210": "9876543210",
	}
	for in, want := range ok {
		got, msg := NormalizeMobile(in)
		if msg != "" || got != want {
			t.Errorf("NormalizeMobile(%q) = %q, %q; want %q", in, got, msg, want)
		}
	}
	for _, in := range []string{"", "12345", "5876543210", "98765432101", "9876a43210", "+1 9876543210", "0919876543210", "98765+43210"} {
		if got, msg := NormalizeMobile(in); msg == "" {
			t.Errorf("NormalizeMobile(%q) = %q, accepted", in, got)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	ok := map[string]string{
		"asha@example.com":          "asha@example.com",
		" Asha.Devi@Example.CO.IN ": "Asha.Devi@example.co.in",
		"a+tag@mail.gov.in":         "a+tag@mail.gov.in",
	}
	for in, want := range ok {
		got, msg := NormalizeEmail(in)
		if msg != "" || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %q; want %q", in, got, msg, want)
		}
	}
	for _, in := range []string{"", "asha", "asha@", "@example.com", "asha@localhost", "Asha <asha@example.com>", "asha@exa mple.com", "asha@.com", "asha@example..com", "a@b.c" + strings.Repeat("c", 260)} {
		if got, msg := NormalizeEmail(in); msg == "" {
			t.Errorf("NormalizeEmail(%q) = %q, accepted", in, got)
		}
	}
}

func TestNormalizeAddress(t *testing.T) {
	got, msg := NormalizeAddress("  12, Gandhi Road \r\n\r\n  Near  Post Office  ")
	if msg != "" || got != "12, Gandhi Road\nNear Post Office" {
		t.Errorf("got %q, %q", got, msg)
	}
	for _, in := range []string{"", "short", strings.Repeat("x", 501), "12 Gandhi Road\x07 Delhi"} {
		if _, msg := NormalizeAddress(in); msg == "" {
			t.Errorf("NormalizeAddress(%q) accepted it", in)
		}
	}
}

func TestSubmissionNormalizeReportsEveryBadField(t *testing.T) {
	_, errs := Submission{Details: strings.Repeat("x", 501), Language: "fr"}.Normalize()
	for _, field := range []string{FieldName, FieldAddress, FieldPincode, FieldEmail, FieldMobile, FieldService, FieldDetails, FieldLanguage} {
		if errs[field] == "" {
			t.Errorf("no message for %s", field)
		}
	}
	good := Submission{Name: "Asha Devi", Address: "12 Gandhi Road, Connaught Place", Pincode: "110 001",
		Email: "asha@example.com", Mobile: "+91 98765 43210", Service: "emo", Details: " Rs 2000 ", Language: "HI"}
	out, errs := good.Normalize()
	if len(errs) != 0 {
		t.Fatalf("errors for a good submission: %v", errs)
	}
	want := Submission{Name: "Asha Devi", Address: "12 Gandhi Road, Connaught Place", Pincode: "110001",
		Email: "asha@example.com", Mobile: "9876543210", Service: "emo", Details: "Rs 2000", Language: "hi"}
	if out != want {
		t.Errorf("normalised = %+v, want %+v", out, want)
	}
}

func TestPublicMasks(t *testing.T) {
	if got := Initials("asha  devi sharma"); got != "A. D. S." {
		t.Errorf("Initials = %q", got)
	}
	if got := Initials("आशा देवी"); got != "आ. द." {
		t.Errorf("Initials(hindi) = %q", got)
	}
	if got := MaskMobile("9876543210"); got != "******3210" {
		t.Errorf("MaskMobile = %q", got)
	}
	if got := MaskEmail("asha@example.com"); got != "a***@example.com" {
		t.Errorf("MaskEmail = %q", got)
	}
}
