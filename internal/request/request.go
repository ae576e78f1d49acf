// Package request holds the rules of a doorstep service request, free of HTTP and SQL:
// what a customer must give and how it is checked, reference numbers, statuses, and what
// the public may see of a request.
package request

import (
	"time"
)

// IST is Indian Standard Time, in which customers and staff read every time. A fixed zone
// needs no tzdata on the server; India has no daylight saving time.
var IST = time.FixedZone("IST", int(istOffset/time.Second))

// Status is where a request stands.
type Status string

// The statuses of a request. A request starts as submitted; the Division moves it on.
const (
	StatusSubmitted      Status = "submitted"
	StatusInProgress     Status = "in_progress"
	StatusCompleted      Status = "completed"
	StatusNotServiceable Status = "not_serviceable"
	StatusCancelled      Status = "cancelled"
)

// OpenStatuses are the statuses of a request that still awaits the Division.
var OpenStatuses = []Status{StatusSubmitted, StatusInProgress}

// Label is the status as shown to a customer.
func (s Status) Label() string {
	switch s {
	case StatusSubmitted:
		return "Submitted"
	case StatusInProgress:
		return "In progress"
	case StatusCompleted:
		return "Completed"
	case StatusNotServiceable:
		return "Could not be served"
	case StatusCancelled:
		return "Cancelled"
	}
	return string(s)
}

// DuplicateWindow is how far back an open request with the same mobile, service and pincode
// makes a new submission a duplicate of it.
const DuplicateWindow = 24 * time.Hour

// Language is the customer's language for messages.
type Language string

// Languages customers can choose.
const (
	English Language = "en"
	Hindi   Language = "hi"
)

// Service is one type of service in the catalogue.
type Service struct {
	Code          string
	Name          string
	NameHi        string
	Description   string
	DescriptionHi string
	Active        bool
	// TargetHours is how long after submission its requests should be attended to (Target);
	// 0 for a service read without one.
	TargetHours int
}

// Request is a customer's service request as stored.
type Request struct {
	ID          int64
	Reference   Reference
	ServiceCode string
	Name        string
	Address     string
	Pincode     string
	Email       string
	Mobile      string // normalised: 10 digits
	Details     string
	Language    Language
	Division    string
	Region      string // empty when the Division reports straight to its Circle
	Circle      string
	District    string
	State       string
	Status      Status
	AssignedTo  string // the post office or postman the Division gave it to
	CreatedAt   time.Time
	UpdatedAt   time.Time
	History     []Event // oldest first
}

// Version counts the changes a request has had, its submission included: every change
// appends exactly one entry to the history, in the same statement, so the history's length
// is the version. A change decided on one version is refused once the request has another
// (someone else changed it meanwhile).
func (r Request) Version() int { return len(r.History) }

// Event is one entry of a request's status history.
type Event struct {
	Status  Status
	At      time.Time
	Remarks string
	Actor   string // who made the change; empty for the customer's own submission
	// AssignedTo is the post office or postman the request was given to with this change.
	AssignedTo string
}
