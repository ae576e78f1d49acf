package postal

import (
	"errors"
	"strings"
	"testing"
)

func loadDirectory(t testing.TB) *Directory {
	t.Helper()
	d, err := Load()
	if err != nil {
		t.Fatalf("load directory: %v", err)
	}
	return d
}

func TestEmbeddedDirectoryIsComplete(t *testing.T) {
	d := loadDirectory(t)
	if got := d.Len(); got != 19586 {
		t.Errorf("pincodes = %d, want 19586 (the source edition's distinct pincodes)", got)
	}
	if got := len(d.Divisions()); got != 482 {
		t.Errorf("divisions = %d, want 482", got)
	}
}

func TestLookupRoutesRealPincodes(t *testing.T) {
	d := loadDirectory(t)
	tests := []struct {
		pincode string
		want    Area
	}{
		// New Delhi GPO head office delivers 110001, though most of its rows are New Delhi Central.
		{"110001", Area{Pincode: "110001", Division: "New Delhi GPO Division", Region: "", Circle: "Delhi Circle", District: "NEW DELHI", State: "DELHI"}},
		{"400001", Area{Pincode: "400001", Division: "Mumbai GPO Division", Region: "Mumbai Region", Circle: "Maharashtra Circle", District: "MUMBAI", State: "MAHARASHTRA"}},
		{" 560 001 ", Area{Pincode: "560001", Division: "Bengaluru GPO Division", Region: "Bengaluru HQ Region", Circle: "Karnataka Circle", District: "BENGALURU URBAN", State: "KARNATAKA"}},
	}
	for _, tt := range tests {
		got, err := d.Lookup(tt.pincode)
		if err != nil {
			t.Errorf("Lookup(%q): %v", tt.pincode, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Lookup(%q) = %+v, want %+v", tt.pincode, got, tt.want)
		}
	}
}

func TestDivisionsUnderARegion(t *testing.T) {
	d := loadDirectory(t)
	a, err := d.Lookup("226001")
	if err != nil {
		t.Fatal(err)
	}
	// The source spells this region "Lucknow  HQ Region", with two spaces.
	if a.Region != "Lucknow HQ Region" || a.Circle != "Uttar Pradesh Circle" {
		t.Errorf("226001 = %+v, want Lucknow HQ Region in Uttar Pradesh Circle", a)
	}
	div, ok := d.Division(a.Division)
	if !ok || div.Region != a.Region || div.Circle != a.Circle {
		t.Errorf("Division(%q) = %+v, %v; want region %q circle %q", a.Division, div, ok, a.Region, a.Circle)
	}
}

func TestLookupRejects(t *testing.T) {
	d := loadDirectory(t)
	for _, p := range []string{"", "11000", "1100011", "011000", "11000A", "११०००१"} {
		if _, err := d.Lookup(p); !errors.Is(err, ErrPincodeFormat) {
			t.Errorf("Lookup(%q) error = %v, want ErrPincodeFormat", p, err)
		}
	}
	_, err := d.Lookup("999999")
	if !errors.Is(err, ErrUnknownPincode) {
		t.Fatalf("Lookup(999999) error = %v, want ErrUnknownPincode", err)
	}
	if want := "We do not have pincode 999999 in the India Post directory"; err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}
}

func TestParseRejectsBadFiles(t *testing.T) {
	bad := map[string]string{
		"wrong header": "pin,division,region,circle,district,state\n110001,A,B,C,D,E\n",
		"bad pincode":  "pincode,division,region,circle,district,state\n11001,A,B,C,D,E\n",
		"duplicate":    "pincode,division,region,circle,district,state\n110001,A,B,C,D,E\n110001,A,B,C,D,E\n",
		"empty":        "pincode,division,region,circle,district,state\n",
	}
	for name, data := range bad {
		if _, err := Parse(strings.NewReader(data)); err == nil {
			t.Errorf("%s: Parse accepted it", name)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
}
