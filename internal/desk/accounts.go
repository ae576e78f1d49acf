package desk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
)

// NewAccount is an account an admin asks for, as typed.
type NewAccount struct {
	Username string
	Role     string
	Unit     string
	Password string
}

func requireAdmin(actor Actor) error { return actor.may(staff.ManageAccounts, staff.Nation) }

// CreateAccount makes an account (admins only). Errors: a *request.ValidationError with a
// message per field (an unknown unit's message suggests the closest names), ErrForbidden.
func (d *Desk) CreateAccount(ctx context.Context, actor Actor, n NewAccount) (staff.Account, error) {
	if err := requireAdmin(actor); err != nil {
		return staff.Account{}, err
	}
	errs := request.FieldErrors{}
	username := staff.NormalizeUsername(n.Username)
	if msg := staff.CheckUsername(username); msg != "" {
		errs[staff.FieldUsername] = msg
	}
	role := staff.Role(n.Role)
	var unit string
	if !role.Valid() {
		errs[staff.FieldRole] = "Choose a role: division, region, circle or admin."
	} else {
		var err error
		if unit, err = staff.ResolveUnit(d.directory, role, n.Unit); err != nil {
			errs[staff.FieldUnit] = err.Error()
		}
	}
	if msg := staff.CheckPassword(n.Password, username); msg != "" {
		errs[staff.FieldPassword] = msg
	}
	if len(errs) > 0 {
		return staff.Account{}, &request.ValidationError{Fields: errs}
	}
	hash, err := staff.HashPassword(n.Password)
	if err != nil {
		return staff.Account{}, err
	}
	a, err := d.store.CreateAccount(ctx, staff.Account{Username: username, Role: role, Unit: unit, PasswordHash: hash,
		CreatedAt: d.clock()}, actor.audit("account_create", username, fmt.Sprintf("role %s, unit %q", role, unit)))
	if errors.Is(err, store.ErrUsernameTaken) {
		return staff.Account{}, &request.ValidationError{Fields: request.FieldErrors{
			staff.FieldUsername: fmt.Sprintf("The username %q is taken.", username)}}
	}
	return a, err
}

// Accounts lists every account (admins only).
func (d *Desk) Accounts(ctx context.Context, actor Actor) ([]staff.Account, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return d.store.Accounts(ctx)
}

// Account returns one account by username (admins only); ErrNoAccount.
func (d *Desk) Account(ctx context.Context, actor Actor, username string) (staff.Account, error) {
	if err := requireAdmin(actor); err != nil {
		return staff.Account{}, err
	}
	a, err := d.store.AccountByUsername(ctx, staff.NormalizeUsername(username))
	if errors.Is(err, store.ErrNotFound) {
		return staff.Account{}, ErrNoAccount
	}
	return a, err
}

// SetDisabled disables or enables an account (admins only; not their own, so that the last
// admin cannot lock everyone out by mistake). A disabled account's sessions and tokens stop
// working at once.
func (d *Desk) SetDisabled(ctx context.Context, actor Actor, username string, disabled bool) error {
	a, err := d.Account(ctx, actor, username)
	if err != nil {
		return err
	}
	if disabled && a.ID == actor.Account.ID && actor.Account.ID != 0 {
		return &request.ValidationError{Fields: request.FieldErrors{staff.FieldUsername: "You cannot disable your own account."}}
	}
	action := "account_enable"
	if disabled {
		action = "account_disable"
	}
	return d.store.SetAccountDisabled(ctx, a.ID, disabled, d.clock(), actor.audit(action, a.Username, ""))
}

// ResetPassword gives an account a new password (admins only), unlocking it and ending its
// sessions and tokens.
func (d *Desk) ResetPassword(ctx context.Context, actor Actor, username, password string) error {
	a, err := d.Account(ctx, actor, username)
	if err != nil {
		return err
	}
	if msg := staff.CheckPassword(password, a.Username); msg != "" {
		return &request.ValidationError{Fields: request.FieldErrors{staff.FieldPassword: msg}}
	}
	hash, err := staff.HashPassword(password)
	if err != nil {
		return err
	}
	return d.store.SetPassword(ctx, a.ID, hash, d.clock(), actor.audit("password_reset", a.Username, ""))
}

// AuditLog lists audit entries, newest first (admins only).
func (d *Desk) AuditLog(ctx context.Context, actor Actor, q audit.Query) ([]audit.Entry, error) {
	if err := actor.may(staff.ReadAudit, staff.Nation); err != nil {
		return nil, err
	}
	return d.store.AuditLog(ctx, q)
}

// SetServiceActive switches a service of the catalogue on or off (admins only). This
// instance offers or refuses it at once; others within catalogue.TTL. ErrUnknownService.
func (d *Desk) SetServiceActive(ctx context.Context, actor Actor, code string, active bool) error {
	return d.changeService(ctx, actor, code, "service_active", fmt.Sprint(active),
		func() error { return d.catalogue.SetActive(ctx, code, active) })
}

// SetServiceTarget sets a service's target time in hours (admins only): what staff see on
// each request, customers as the expected date, and what overdue is counted by. This
// instance uses it at once; others within catalogue.TTL. Errors: ErrUnknownService, a
// *request.ValidationError for a target out of range.
func (d *Desk) SetServiceTarget(ctx context.Context, actor Actor, code string, hours int) error {
	before, _, err := d.catalogue.Service(ctx, code)
	if err != nil {
		return err
	}
	details := fmt.Sprintf("%d -> %d hours", int(before.Target()/time.Hour), hours)
	return d.changeService(ctx, actor, code, "service_target", details,
		func() error { return d.catalogue.SetTarget(ctx, code, hours) })
}

// changeService makes an admin's change to a service of the catalogue and audits it.
func (d *Desk) changeService(ctx context.Context, actor Actor, code, action, details string, change func() error) error {
	if err := actor.may(staff.ManageServices, staff.Nation); err != nil {
		return err
	}
	switch err := change(); {
	case errors.Is(err, catalogue.ErrUnknownService):
		return ErrUnknownService
	case err != nil:
		return err
	}
	return d.Audit(ctx, actor, action, code, details)
}
