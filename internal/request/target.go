package request

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A service's target time: how long after submission its requests should be attended to.
// Admins set it per service; staff see it on each request, customers as the expected date.
const (
	DefaultTargetHours = 48
	TargetHoursMin     = 1
	TargetHoursMax     = 720 // 30 days; the database refuses more too
	// FieldTargetHours names the target in forms and errors.
	FieldTargetHours = "target_hours"
)

// DefaultTarget is a service's target time unless an admin sets another.
const DefaultTarget = DefaultTargetHours * time.Hour

// Target is the service's target time; a service read without one (TargetHours 0) has the
// default.
func (s Service) Target() time.Duration {
	if s.TargetHours == 0 {
		return DefaultTarget
	}
	return time.Duration(s.TargetHours) * time.Hour
}

// targetHoursMessage is what a person is told of a target that cannot be.
var targetHoursMessage = fmt.Sprintf("A target is a whole number of hours from %d to %d.", TargetHoursMin, TargetHoursMax)

// ParseTargetHours reads a target in hours as an admin typed it; a *ValidationError on
// FieldTargetHours if it is not a whole number in range.
func ParseTargetHours(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, &ValidationError{Fields: FieldErrors{FieldTargetHours: targetHoursMessage}}
	}
	return n, CheckTargetHours(n)
}

// CheckTargetHours refuses a target out of range, with a *ValidationError on
// FieldTargetHours.
func CheckTargetHours(hours int) error {
	if hours < TargetHoursMin || hours > TargetHoursMax {
		return &ValidationError{Fields: FieldErrors{FieldTargetHours: targetHoursMessage}}
	}
	return nil
}

// ExpectedBy is when a request submitted at createdAt should have been attended to, under
// its service's target: what customers and staff are shown.
func ExpectedBy(createdAt time.Time, target time.Duration) time.Time { return createdAt.Add(target) }

// OverdueCutoff is the rule for overdue, the one place it is decided: as of now, an open
// request is overdue under target if it was submitted before the returned instant, the
// start of the IST hour that holds now-target. The dashboard counts open requests per IST
// hour of submission, and a desk list filtered to overdue must have exactly as many rows
// as its count; so a request turns overdue at the end of its hour of submission plus the
// target: at most an hour after ExpectedBy, never before.
func OverdueCutoff(now time.Time, target time.Duration) time.Time {
	return istHourStart(now.Add(-target))
}

// Overdue reports whether the request is overdue as of now under its service's target.
func (r Request) Overdue(target time.Duration, now time.Time) bool {
	return !r.Status.IsFinal() && r.CreatedAt.Before(OverdueCutoff(now, target))
}

// istOffset is IST's offset from UTC: IST hours start at half past the UTC hour.
const istOffset = 5*time.Hour + 30*time.Minute

// istHourStart is the first instant of the IST hour t falls in. Truncate counts from a UTC
// hour boundary, so t is shifted by the offset and back.
func istHourStart(t time.Time) time.Time {
	return t.Add(istOffset).Truncate(time.Hour).Add(-istOffset).In(IST)
}
