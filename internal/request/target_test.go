package request

import (
	"errors"
	"testing"
	"time"
)

func TestParseTargetHours(t *testing.T) {
	for in, want := range map[string]int{"1": 1, " 48 ": 48, "720": 720} {
		if got, err := ParseTargetHours(in); err != nil || got != want {
			t.Errorf("ParseTargetHours(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-3", "721", "1.5", "two", "48h"} {
		_, err := ParseTargetHours(in)
		var invalid *ValidationError
		if !errors.As(err, &invalid) || invalid.Fields[FieldTargetHours] != "A target is a whole number of hours from 1 to 720." {
			t.Errorf("ParseTargetHours(%q): %v; want the message on %s", in, err, FieldTargetHours)
		}
	}
}

func TestTarget(t *testing.T) {
	if got := (Service{TargetHours: 6}).Target(); got != 6*time.Hour {
		t.Errorf("Target = %v", got)
	}
	if got := (Service{}).Target(); got != 48*time.Hour {
		t.Errorf("Target without one = %v, want the default", got)
	}
	created := time.Date(2026, 12, 1, 14, 0, 0, 0, IST)
	if got := ExpectedBy(created, 48*time.Hour); !got.Equal(time.Date(2026, 12, 3, 14, 0, 0, 0, IST)) {
		t.Errorf("ExpectedBy = %v", got)
	}
}

func TestOverdue(t *testing.T) {
	created := time.Date(2026, 12, 1, 14, 20, 0, 0, IST) // in the 14:00 IST hour
	r := Request{Status: StatusInProgress, CreatedAt: created}
	// Expected by 3 Dec 14:20; overdue from the end of its hour plus the target, 15:00.
	for at, want := range map[time.Time]bool{
		time.Date(2026, 12, 3, 14, 20, 0, 0, IST):              false,
		time.Date(2026, 12, 3, 14, 59, 59, 999e6, IST):         false,
		time.Date(2026, 12, 3, 15, 0, 0, 0, IST):               true,
		time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC):          true, // 15:00 IST
		time.Date(2026, 12, 3, 9, 29, 59, 999999999, time.UTC): false,
	} {
		if got := r.Overdue(48*time.Hour, at); got != want {
			t.Errorf("overdue at %v = %v, want %v", at, got, want)
		}
	}
	late := time.Date(2026, 12, 10, 0, 0, 0, 0, IST)
	for _, st := range []Status{StatusCompleted, StatusNotServiceable, StatusCancelled} {
		if (Request{Status: st, CreatedAt: created}).Overdue(48*time.Hour, late) {
			t.Errorf("a request %s is never overdue", st)
		}
	}
	if got := OverdueCutoff(time.Date(2026, 12, 3, 15, 10, 0, 0, IST), 48*time.Hour); !got.Equal(time.Date(2026, 12, 1, 15, 0, 0, 0, IST)) {
		t.Errorf("OverdueCutoff = %v, want the start of the IST hour 48 h before", got)
	}
}
