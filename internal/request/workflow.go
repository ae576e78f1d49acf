package request

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The fields of a status change, as named in forms and the staff API.
const (
	FieldStatus     = "status"
	FieldRemarks    = "remarks"
	FieldAssignedTo = "assigned_to"
)

// Limits on what staff may type with a status change.
const (
	RemarksMax    = 500
	AssignedToMax = 100
)

// StandardRemarks are the remarks staff pick from, after the annex of India Post's
// procedure for the service; they may also type their own.
var StandardRemarks = []string{
	"Service provided at doorstep",
	"Customer not available",
	"Customer did not answer the phone",
	"Address not traceable",
	"Service not available in this area",
	"Customer asked to cancel",
	"Customer will visit the post office",
	"Documents not ready with the customer",
}

// Change is what staff (or the customer, for a cancellation) ask of a request's status.
type Change struct {
	To         Status
	Remarks    string
	AssignedTo string // a post office or postman; only with in_progress
}

// transitions lists, for each status, where it may go next. Completed, not serviceable and
// cancelled are final: the customer has been told, and a new request is the way on.
var transitions = map[Status][]Status{
	StatusSubmitted:  {StatusInProgress, StatusNotServiceable, StatusCancelled},
	StatusInProgress: {StatusInProgress, StatusCompleted, StatusNotServiceable, StatusCancelled},
}

// NextStatuses lists where a request in status from may be moved.
func NextStatuses(from Status) []Status { return transitions[from] }

// IsStatus reports whether s is one of the statuses.
func IsStatus(s Status) bool {
	switch s {
	case StatusSubmitted, StatusInProgress, StatusCompleted, StatusNotServiceable, StatusCancelled:
		return true
	}
	return false
}

// CheckChange normalises a change to a request now in status from and checks it against the
// workflow, with a message per field for the person who asked. Moving an in-progress
// request to in progress again is how staff re-assign it.
func CheckChange(from Status, ch Change) (Change, error) {
	ch.Remarks = strings.Join(strings.Fields(ch.Remarks), " ")
	ch.AssignedTo = strings.Join(strings.Fields(ch.AssignedTo), " ")
	errs := FieldErrors{}
	switch {
	case ch.To == "":
		errs[FieldStatus] = "Choose the new status."
	case !IsStatus(ch.To):
		errs[FieldStatus] = fmt.Sprintf("%q is not a status. Use one of: in_progress, completed, not_serviceable, cancelled.", string(ch.To))
	case !allowed(from, ch.To):
		errs[FieldStatus] = transitionMessage(from, ch.To)
	}
	if ch.To == StatusNotServiceable && ch.Remarks == "" {
		errs[FieldRemarks] = "Give the reason the request cannot be served."
	}
	if n := utf8.RuneCountInString(ch.Remarks); n > RemarksMax {
		errs[FieldRemarks] = fmt.Sprintf("Remarks can be at most %d characters; these are %d.", RemarksMax, n)
	}
	if ch.AssignedTo != "" && ch.To != StatusInProgress {
		errs[FieldAssignedTo] = "A request is assigned only when it is moved to in progress."
	}
	if n := utf8.RuneCountInString(ch.AssignedTo); n > AssignedToMax {
		errs[FieldAssignedTo] = fmt.Sprintf("Assigned to can be at most %d characters; this is %d.", AssignedToMax, n)
	}
	if len(errs) > 0 {
		return ch, &ValidationError{Fields: errs}
	}
	return ch, nil
}

// CheckChange checks a change against the request as it is: the workflow of its status, and
// that moving it to in progress again re-assigns it. Without a new assignee that would only
// text the customer the same news twice (a double-submitted form, a retried API call).
func (r Request) CheckChange(ch Change) (Change, error) {
	ch, err := CheckChange(r.Status, ch)
	if err != nil {
		return ch, err
	}
	if r.Status == StatusInProgress && ch.To == StatusInProgress && (ch.AssignedTo == "" || ch.AssignedTo == r.AssignedTo) {
		msg := "This request is already in progress. To re-assign it, give another post office or postman."
		if r.AssignedTo != "" {
			msg = fmt.Sprintf("This request is already in progress, assigned to %s. To re-assign it, give another post office or postman.", r.AssignedTo)
		}
		return ch, &ValidationError{Fields: FieldErrors{FieldAssignedTo: msg}}
	}
	return ch, nil
}

func allowed(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

func transitionMessage(from, to Status) string {
	switch from {
	case StatusCompleted, StatusNotServiceable, StatusCancelled:
		return fmt.Sprintf("This request is already %s; its status can no longer change.", strings.ToLower(from.Label()))
	}
	if to == StatusSubmitted {
		return "A request cannot go back to submitted."
	}
	if from == StatusSubmitted && to == StatusCompleted {
		return "Move the request to in progress before marking it completed."
	}
	return fmt.Sprintf("A request that is %s cannot be moved to %s.", strings.ToLower(from.Label()), strings.ToLower(to.Label()))
}

// IsFinal reports whether a request in status s can no longer change.
func (s Status) IsFinal() bool { return len(transitions[s]) == 0 }

// Describe says what a change of a request in status from does, for the audit log:
// "submitted -> in_progress, assigned to Raja Mandi SO, remarks: Customer not available".
func (ch Change) Describe(from Status) string {
	s := fmt.Sprintf("%s -> %s", from, ch.To)
	if ch.AssignedTo != "" {
		s += ", assigned to " + ch.AssignedTo
	}
	if ch.Remarks != "" {
		s += ", remarks: " + ch.Remarks
	}
	return s
}
