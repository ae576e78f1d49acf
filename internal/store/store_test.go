package store

import (
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
)

func TestSortHistory(t *testing.T) {
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	history := []request.Event{
		{Status: request.StatusCompleted, At: at.Add(2 * time.Hour)},
		{Status: request.StatusSubmitted, At: at},
		{Status: request.StatusInProgress, At: at.Add(time.Hour)},
	}
	ids := []int64{30, 7, 12}
	SortHistory(history, ids)
	want := []request.Status{request.StatusSubmitted, request.StatusInProgress, request.StatusCompleted}
	for i, e := range history {
		if e.Status != want[i] {
			t.Fatalf("position %d: %s, want %s (ids %v)", i, e.Status, want[i], ids)
		}
	}
	if ids[0] != 7 || ids[1] != 12 || ids[2] != 30 {
		t.Errorf("ids not sorted with their events: %v", ids)
	}
}
