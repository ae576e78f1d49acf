package request

import (
	"errors"
	"strings"
	"testing"
)

// TestWorkflowTable checks every pair of statuses against the workflow.
func TestWorkflowTable(t *testing.T) {
	all := []Status{StatusSubmitted, StatusInProgress, StatusCompleted, StatusNotServiceable, StatusCancelled}
	allowed := map[[2]Status]bool{
		{StatusSubmitted, StatusInProgress}:      true,
		{StatusSubmitted, StatusNotServiceable}:  true,
		{StatusSubmitted, StatusCancelled}:       true,
		{StatusInProgress, StatusInProgress}:     true, // re-assignment
		{StatusInProgress, StatusCompleted}:      true,
		{StatusInProgress, StatusNotServiceable}: true,
		{StatusInProgress, StatusCancelled}:      true,
	}
	for _, from := range all {
		for _, to := range all {
			_, err := CheckChange(from, Change{To: to, Remarks: "reason"})
			if want := allowed[[2]Status{from, to}]; want != (err == nil) {
				t.Errorf("%s -> %s: allowed=%v, got error %v", from, to, want, err)
			}
			var verr *ValidationError
			if err != nil && (!errors.As(err, &verr) || verr.Fields[FieldStatus] == "") {
				t.Errorf("%s -> %s: want a message on the status field, got %v", from, to, err)
			}
		}
	}
}

func TestCheckChangeMessages(t *testing.T) {
	cases := []struct {
		from  Status
		ch    Change
		field string
		want  string
	}{
		{StatusSubmitted, Change{To: StatusCompleted}, FieldStatus, "in progress before"},
		{StatusCompleted, Change{To: StatusCancelled}, FieldStatus, "already completed"},
		{StatusSubmitted, Change{To: StatusNotServiceable, Remarks: "  "}, FieldRemarks, "reason"},
		{StatusSubmitted, Change{To: "done"}, FieldStatus, "not a status"},
		{StatusSubmitted, Change{}, FieldStatus, "Choose"},
		{StatusInProgress, Change{To: StatusCompleted, AssignedTo: "Ravi"}, FieldAssignedTo, "only when"},
		{StatusSubmitted, Change{To: StatusInProgress, Remarks: strings.Repeat("x", RemarksMax+1)}, FieldRemarks, "at most"},
	}
	for _, c := range cases {
		_, err := CheckChange(c.from, c.ch)
		var verr *ValidationError
		if !errors.As(err, &verr) {
			t.Errorf("%s %+v: want a validation error, got %v", c.from, c.ch, err)
			continue
		}
		if got := verr.Fields[c.field]; !strings.Contains(got, c.want) {
			t.Errorf("%s %+v: %s message %q, want it to contain %q", c.from, c.ch, c.field, got, c.want)
		}
	}
	ch, err := CheckChange(StatusSubmitted, Change{To: StatusInProgress, Remarks: "  with\n postman ", AssignedTo: " Ravi  Kumar "})
	if err != nil || ch.Remarks != "with postman" || ch.AssignedTo != "Ravi Kumar" {
		t.Errorf("normalised change = %+v, %v", ch, err)
	}
}
