package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
)

func TestHistoryRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 20, 9, 0, 0, 123000000, time.FixedZone("IST", 19800))
	history := []request.Event{
		{Status: request.StatusSubmitted, At: at},
		{Status: request.StatusInProgress, At: at.Add(time.Hour), Actor: "ndgpo.clerk", Remarks: "Assigned to postman Ravi"},
		{Status: request.StatusCompleted, At: at.Add(2 * time.Hour), Actor: "ndgpo.clerk", Remarks: "सेवा दी गई"},
	}
	data, err := EncodeHistory(history)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeHistory([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	for i := range history {
		history[i].At = history[i].At.UTC()
	}
	if fmt.Sprint(got) != fmt.Sprint(history) {
		t.Errorf("round trip\n got %v\nwant %v\n(json %s)", got, history, data)
	}
	if _, err := DecodeHistory([]byte(`{"status":1}`)); err == nil {
		t.Error("a malformed history was accepted")
	}
}
