// Package audit is what the audit log records: who did what to what, when and from where.
// Staff actions, logins and a customer's cancellation are written to it, each in the same
// transaction as the change it records where there is one.
package audit

import "time"

// Actors of what is not done by a member of staff.
const (
	Customer = "customer" // the customer, proving with a code sent to their mobile that it is theirs
	System   = "system"   // the command line and the demo
)

// Entry is one recorded action.
type Entry struct {
	ID      int64
	At      time.Time
	Actor   string // username; Customer or System for actions not by staff
	Role    string
	Unit    string
	IP      string
	Action  string // what was done: "login", "status_change", "export"...
	Target  string // what it was done to: a reference, a username
	Details string
}

// Complete fills in what an entry made with a change may leave to the change: the time it
// was made and what it was made to.
func (e Entry) Complete(at time.Time, target string) Entry {
	if e.At.IsZero() {
		e.At = at
	}
	if e.Target == "" {
		e.Target = target
	}
	return e
}

// Empty reports whether the entry records nothing (no action): a change made without an
// audit entry, such as the demo's, writes none.
func (e Entry) Empty() bool { return e.Action == "" }

// Query selects entries, newest first. Empty fields do not filter.
type Query struct {
	Actor  string
	Action string
	Target string
	Before int64 // entries with an ID below this (0: from the newest)
	Limit  int
}
