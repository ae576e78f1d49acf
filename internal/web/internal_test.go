package web

import (
	"strings"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
)

func TestFormatDate(t *testing.T) {
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 27, 8, 35, 0, 0, time.UTC), "27 Nov 2026, 14:05"},
		{time.Date(2026, 12, 31, 18, 30, 0, 0, time.UTC), "1 Jan 2027, 00:00"}, // past midnight in India
		{time.Date(2026, 3, 5, 9, 7, 59, 0, time.FixedZone("X", -5*3600)), "5 Mar 2026, 19:37"},
	}
	for _, tc := range tests {
		if got := formatDate(tc.at); got != tc.want {
			t.Errorf("formatDate(%v) = %q, want %q", tc.at, got, tc.want)
		}
	}
	if got := formatDatetime(tests[0].at); got != "2026-11-27T14:05+05:30" {
		t.Errorf("formatDatetime = %q", got)
	}
}

func TestFormToken(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := newFormToken()
		if len(tok) != 22 || !validFormToken(tok) {
			t.Fatalf("newFormToken() = %q", tok)
		}
		if seen[tok] {
			t.Fatalf("token %q drawn twice", tok)
		}
		seen[tok] = true
	}
	for tok, want := range map[string]bool{
		"a": true, "A-_z09": true, strings.Repeat("x", 64): true,
		"": false, strings.Repeat("x", 65): false, "a b": false, "a+b": false, "a/b": false, "a=": false, "é": false,
	} {
		if got := validFormToken(tok); got != want {
			t.Errorf("validFormToken(%q) = %v, want %v", tok, got, want)
		}
	}
}

func TestTranslateFallsBackToEnglish(t *testing.T) {
	if got := translate(request.Hindi, msgNoSuchRequest, "DS-AAAAA-AAAAA"); got != "We have no request with reference DS-AAAAA-AAAAA." {
		t.Errorf("translate = %q", got)
	}
	if got := translate(request.English, "100% sure"); got != "100% sure" {
		t.Errorf("a key without arguments is not a format: %q", got)
	}
}
