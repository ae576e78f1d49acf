package staff

import (
	"fmt"

	"github.com/doorstep-post/doorstep/internal/request"
)

// Unit is a place in the postal hierarchy (Circle > Region > Division), named with the
// units above it so that whether it lies in an account's part of the hierarchy can be
// told from it alone. A Circle's Divisions that report straight to it have no Region. The
// zero Unit is the whole country.
type Unit struct {
	Circle   string
	Region   string
	Division string
}

// Nation is the whole country: what the national office's actions are done to.
var Nation = Unit{}

// UnitOf is the Division a request belongs to, with the units above it.
func UnitOf(r request.Request) Unit {
	return Unit{Circle: r.Circle, Region: r.Region, Division: r.Division}
}

// Action is something a member of staff does to a unit of the hierarchy or to a request in
// it.
type Action string

// The actions. Every check of who may do what asks Account.May with one of them.
const (
	// ViewRequests: see the requests of a unit, with the customers' personal data (the desk,
	// a request's page, exports).
	ViewRequests Action = "view requests"
	// ChangeStatus: move a request along the workflow, alone or in bulk. Only the staff of
	// the request's own Division may; everyone above watches.
	ChangeStatus Action = "change status"
	// PrintRunSheet: the day's round of a Division, with full names and addresses.
	PrintRunSheet Action = "print the run sheet"
	// RetryMessage: send a failed message to a customer again.
	RetryMessage Action = "retry a message"
	// ViewDashboard: the figures of a unit and of the units below it.
	ViewDashboard Action = "view the dashboard"
	// ManageAccounts: create, disable and enable accounts, and reset their passwords.
	ManageAccounts Action = "manage accounts"
	// ManageServices: switch services of the catalogue on and off.
	ManageServices Action = "manage services"
	// ReadAudit: read the audit log.
	ReadAudit Action = "read the audit log"
)

// Actions are every action, for tests and documentation.
var Actions = []Action{ViewRequests, ChangeStatus, PrintRunSheet, RetryMessage, ViewDashboard, ManageAccounts,
	ManageServices, ReadAudit}

// May reports whether the account may do act to unit u (or to a request of u: UnitOf).
// This is the one place that decides it: the back office's routes, the desk's checks, the
// buttons pages show and the staff API's routes all ask it.
func (a Account) May(act Action, u Unit) bool {
	if a.Role != RoleAdmin && a.Unit == "" {
		return false // an account without its unit may do nothing rather than everything
	}
	switch act {
	case ViewRequests, ViewDashboard:
		return a.covers(u)
	case ChangeStatus, PrintRunSheet:
		return a.Role == RoleDivision && u.Division == a.Unit
	case RetryMessage:
		return a.Role == RoleAdmin || a.Role == RoleDivision && u.Division == a.Unit
	case ManageAccounts, ManageServices, ReadAudit:
		return a.Role == RoleAdmin
	}
	return false
}

// MayAtAll reports whether the account may do act anywhere: in its own unit, the widest
// part of the hierarchy it has. Route tables ask it before the unit is known; the use case
// asks May again of the unit it acts on.
func (a Account) MayAtAll(act Action) bool { return a.May(act, a.Scope()) }

// covers reports whether u lies in the account's part of the hierarchy.
func (a Account) covers(u Unit) bool {
	switch a.Role {
	case RoleAdmin:
		return true
	case RoleCircle:
		return u.Circle == a.Unit
	case RoleRegion:
		return u.Region == a.Unit
	case RoleDivision:
		return u.Division == a.Unit
	}
	return false
}

// Scope is the account's own part of the hierarchy, as a unit: what it watches.
func (a Account) Scope() Unit {
	switch a.Role {
	case RoleCircle:
		return Unit{Circle: a.Unit}
	case RoleRegion:
		return Unit{Region: a.Unit}
	case RoleDivision:
		return Unit{Division: a.Unit}
	}
	return Nation
}

// Describe names the account's part of the hierarchy for people: "Division staff: New
// Delhi GPO Division", or "All India" for the national office.
func (a Account) Describe() string {
	if a.Role == RoleAdmin {
		return "All India"
	}
	return fmt.Sprintf("%s: %s", a.Role.Label(), a.Unit)
}
