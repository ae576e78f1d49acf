package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestAppendString(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"empty", "", `""`},
		{"plain", "emoney_order", `"emoney_order"`},
		{"quotes", `say "hi"`, `"say \"hi\""`},
		{"backslashes", `a\b\\c`, `"a\\b\\\\c"`},
		{"slash is left alone", "a/b", `"a/b"`},
		{"short control escapes", "\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"other control characters", "\x00\x01\x1f\x0b", `"\u0000\u0001\u001f\u000b"`},
		{"delete is not a control character for JSON", "\x7f", "\"\x7f\""},
		{"html characters, as encoding/json escapes them", "<a&b>", `"\u003ca\u0026b\u003e"`},
		{"non-ASCII passed through", "é ₹ ई-मनी ऑर्डर 😀", `"é ₹ ई-मनी ऑर्डर 😀"`},
		{"line and paragraph separators", "a\u2028b\u2029c", `"a\u2028b\u2029c"`},
		{"lone continuation byte", "a\x80b", `"a\ufffdb"`},
		{"truncated sequence", "ok\xe2\x82", `"ok\ufffd\ufffd"`},
		{"invalid lead byte", "\xff\xfe", `"\ufffd\ufffd"`},
		{"overlong encoding", "\xc0\xaf", `"\ufffd\ufffd"`},
		{"encoded surrogate", "\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`},
		{"invalid next to valid", "é\x80é", `"é\ufffdé"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := string(appendString(nil, tt.in))
			if got != tt.want {
				t.Errorf("appendString(%q) = %s, want %s", tt.in, got, tt.want)
			}
			var back string
			if err := json.Unmarshal([]byte(got), &back); err != nil {
				t.Fatalf("%s is not a JSON string: %v", got, err)
			}
			switch {
			case !utf8.ValidString(back):
				t.Errorf("%s decodes to invalid UTF-8 %q", got, back)
			case utf8.ValidString(tt.in) && back != tt.in:
				t.Errorf("%s decodes to %q, not %q", got, back, tt.in)
			}
		})
	}
}

// The escaping is encoding/json's, byte for byte, whatever the input: every byte on its own
// and in the middle of text, and whatever the fuzzer finds.
func TestAppendStringEveryByte(t *testing.T) {
	for c := range 256 {
		for _, s := range []string{string(rune(c)), string([]byte{byte(c)}), "ab" + string([]byte{byte(c)}) + "cd"} {
			checkLikeEncodingJSON(t, s)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", `"\`, "\x00\x1f\x7f", "<&>", "é₹😀", "\u2028\u2029", "\xff", "\xe2\x82", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(checkLikeEncodingJSON)
}

func checkLikeEncodingJSON(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := appendString(nil, s); string(got) != string(want) {
		t.Errorf("appendString(%q) = %s, encoding/json: %s", s, got, want)
	}
}

// The answers keep the shape encoding/json gave them: the same keys in the same order, the
// same values, the same bytes.
func TestAppendRowLikeEncodingJSON(t *testing.T) {
	type event struct {
		Status string    `json:"status"`
		At     time.Time `json:"at"`
	}
	type answer struct {
		Reference string    `json:"reference"`
		Service   string    `json:"service"`
		Status    string    `json:"status"`
		Pincode   string    `json:"pincode"`
		Division  string    `json:"division"`
		Circle    string    `json:"circle"`
		CreatedAt time.Time `json:"created_at"`
		History   []event   `json:"history,omitempty"`
	}
	r := row{Reference: "DS-64FW7-32VUX", Service: `q"b\s<&>` + "\x01\u2028é\xff", Status: "submitted", Pincode: "110001",
		Division: "New Delhi GPO Division", Circle: "Delhi Circle"}
	for _, at := range []time.Time{
		time.Date(2026, 12, 2, 13, 30, 12, 454241722, time.UTC),
		time.Date(2026, 12, 2, 13, 30, 12, 454000000, time.UTC), // SQLite: milliseconds
		time.Date(2026, 12, 2, 13, 30, 12, 0, time.UTC),
		time.Date(2026, 12, 2, 19, 0, 12, 947456000, time.FixedZone("IST", 5*3600+1800)),
	} {
		r.CreatedAt = at
		for _, history := range []bool{false, true} {
			a := answer{r.Reference, r.Service, r.Status, r.Pincode, r.Division, r.Circle, r.CreatedAt, nil}
			if history {
				a.History = []event{{r.Status, r.CreatedAt}}
			}
			var want strings.Builder
			if err := json.NewEncoder(&want).Encode(a); err != nil {
				t.Fatal(err)
			}
			if got := string(appendRow(nil, r, history)); got != want.String() {
				t.Errorf("history %v, at %v:\n got %s\nwant %s", history, at, got, want.String())
			}
		}
	}
}
