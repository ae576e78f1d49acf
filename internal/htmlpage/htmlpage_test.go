package htmlpage

import (
	"testing"
	"time"
)

func TestDates(t *testing.T) {
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 27, 8, 35, 0, 0, time.UTC), "27 Nov 2026, 14:05"},
		{time.Date(2026, 12, 31, 18, 30, 0, 0, time.UTC), "1 Jan 2027, 00:00"}, // past midnight in India
		{time.Date(2026, 3, 5, 9, 7, 59, 0, time.FixedZone("X", -5*3600)), "5 Mar 2026, 19:37"},
		{time.Time{}, "–"}, // not yet, or never
	}
	for _, tc := range tests {
		if got := Date(tc.at); got != tc.want {
			t.Errorf("Date(%v) = %q, want %q", tc.at, got, tc.want)
		}
	}
	if got := Datetime(tests[0].at); got != "2026-11-27T14:05+05:30" {
		t.Errorf("Datetime = %q", got)
	}
}
