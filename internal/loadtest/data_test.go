package loadtest

import (
	"math/rand/v2"
	"testing"
	"unicode"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// Every generated submission passes the product's own validation, with a pincode from the
// directory, and the data is varied.
func TestGeneratedSubmissionsAreValidAndVaried(t *testing.T) {
	t.Parallel()
	dir := testenv.Directory(t)
	g := &generator{dir: dir, pincodes: dir.Pincodes(), services: []string{"emoney_order", "aeps_withdrawal"}}
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 5000
	devanagari, hindi, withDetails, multiline := 0, 0, 0, 0
	names, pincodes, mobiles := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for range n {
		s := g.next(rng)
		clean, errs := request.Submission{Name: s.Name, Address: s.Address, Pincode: s.Pincode, Email: s.Email,
			Mobile: s.Mobile, Service: s.Service, Details: s.Details, Language: s.Language}.Normalize()
		if len(errs) > 0 {
			t.Fatalf("generated %+v is invalid: %v", s, errs)
		}
		if clean.Mobile != s.mobile10 || s.mobile10[0] < '6' {
			t.Fatalf("mobile %q normalises to %q; generator says %q", s.Mobile, clean.Mobile, s.mobile10)
		}
		area, err := dir.Lookup(s.Pincode)
		if err != nil || area != s.area {
			t.Fatalf("pincode %s: %v, area %+v; generator says %+v", s.Pincode, err, area, s.area)
		}
		if unicode.Is(unicode.Devanagari, []rune(s.Name)[0]) {
			devanagari++
		}
		if s.Language == "hi" {
			hindi++
		}
		if s.Details != "" {
			withDetails++
		}
		for _, r := range s.Address {
			if r == '\n' {
				multiline++
				break
			}
		}
		names[s.Name], pincodes[s.Pincode], mobiles[s.mobile10] = true, true, true
	}
	if devanagari < n/5 || devanagari > n/2 {
		t.Errorf("%d of %d names in Devanagari; want about 30%%", devanagari, n)
	}
	if hindi < n/5 || withDetails < n/3 || multiline < n/5 {
		t.Errorf("too little variety: hi %d, details %d, multi-line addresses %d of %d", hindi, withDetails, multiline, n)
	}
	if len(names) < 500 || len(pincodes) < n*8/10 || len(mobiles) < n-5 {
		t.Errorf("too few distinct values: %d names, %d pincodes, %d mobiles of %d", len(names), len(pincodes), len(mobiles), n)
	}
}

func TestIdempotencyKeysAreUUIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		k := idempotencyKey()
		if len(k) != 36 || k[8] != '-' || k[14] != '4' || seen[k] {
			t.Fatalf("key %q is not a fresh version 4 UUID", k)
		}
		seen[k] = true
	}
}
