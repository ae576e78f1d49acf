// Package desk is what postal staff do: log in, work through their Division's requests and
// move them along the workflow, watch their part of the hierarchy, and (admins) manage
// accounts and the service catalogue. The staff web pages, the staff JSON API and the
// command line all call it, so all apply the same rules, permissions (staff.Account.May)
// and audit. It knows neither HTTP nor SQL, and answers with its own types and errors.
package desk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
)

// Errors for callers to map to their answers (404, 403, 409...).
var (
	// ErrNotFound: no such request, or not in the actor's part of the hierarchy (the two are
	// not told apart, so that staff learn nothing about other units' requests).
	ErrNotFound = errors.New("no such request in your part of the hierarchy")
	// ErrForbidden: the actor may see this but not do it.
	ErrForbidden = errors.New("your role may not do this")
	// ErrChangedMeanwhile: someone changed the request since the version the change was
	// decided on; look again.
	ErrChangedMeanwhile = errors.New("someone else changed this request meanwhile; here it is as it is now")
	// ErrSessionEnded: the account was disabled or its password changed since login.
	ErrSessionEnded = errors.New("your session has ended; please log in again")
	// ErrNoAccount: an account named in an admin action does not exist.
	ErrNoAccount = errors.New("no such account")
	// ErrNotRetryable: only a failed message can be sent again, and not a one-time code
	// (the customer asks for a new one).
	ErrNotRetryable = errors.New("only a failed message can be sent again, and not a one-time code")
	// ErrUnknownService: the catalogue has no service with that code.
	ErrUnknownService = errors.New("no such service")
)

// TokenTTL is how long a staff API token lasts: a week of a postman's app use before the
// password is asked again.
const TokenTTL = 7 * 24 * time.Hour

// Actor is who does something, and from where (for the audit log).
type Actor struct {
	Account staff.Account
	IP      string
}

func (a Actor) audit(action, target, details string) audit.Entry {
	return audit.Entry{Actor: a.Account.Username, Role: string(a.Account.Role), Unit: a.Account.Unit, IP: a.IP,
		Action: action, Target: target, Details: details}
}

// may checks a permission, as ErrForbidden.
func (a Actor) may(act staff.Action, u staff.Unit) error {
	if !a.Account.May(act, u) {
		return ErrForbidden
	}
	return nil
}

// System is the actor for what the command line and the demo do.
var System = Actor{Account: staff.Account{Username: audit.System, Role: staff.RoleAdmin}, IP: "local"}

// Store is what the desk keeps and reads.
type Store interface {
	CreateAccount(ctx context.Context, a staff.Account, entry audit.Entry) (staff.Account, error)
	AccountByUsername(ctx context.Context, username string) (staff.Account, error)
	AccountByID(ctx context.Context, id int64) (staff.Account, error)
	Accounts(ctx context.Context) ([]staff.Account, error)
	SetAccountDisabled(ctx context.Context, id int64, disabled bool, at time.Time, entry audit.Entry) error
	SetPassword(ctx context.Context, id int64, hash string, at time.Time, entry audit.Entry) error
	RecordLoginFailure(ctx context.Context, id int64, at time.Time) (staff.Account, error)
	RecordLoginSuccess(ctx context.Context, id int64, at time.Time) error

	CreateToken(ctx context.Context, t store.Token) error
	AccountByToken(ctx context.Context, hash string, now time.Time) (staff.Account, store.Token, error)
	RevokeToken(ctx context.Context, hash string, at time.Time) error

	RequestByReference(ctx context.Context, ref request.Reference) (request.Request, error)
	DeskRequests(ctx context.Context, q store.DeskQuery) ([]request.Request, error)
	DeskCounts(ctx context.Context, q store.DeskQuery, cap int) (map[request.Status]int, error)
	ChangeStatus(ctx context.Context, c store.StatusChange) (request.Request, error)

	Notification(ctx context.Context, id int64) (store.Notification, error)
	NotificationsForRequest(ctx context.Context, requestID int64) ([]store.Notification, error)
	RetryNotification(ctx context.Context, id int64, at time.Time) error

	Audit(ctx context.Context, e audit.Entry) error
	AuditLog(ctx context.Context, q audit.Query) ([]audit.Entry, error)
}

// Desk does staff's work.
type Desk struct {
	store     Store
	directory *postal.Directory
	catalogue *catalogue.Catalogue
	now       func() time.Time
}

// New returns a Desk over st, checking accounts' units against dir and managing the
// services of cat, on the wall clock.
func New(st Store, dir *postal.Directory, cat *catalogue.Catalogue) *Desk {
	return &Desk{store: st, directory: dir, catalogue: cat, now: time.Now}
}

// WithClock returns a copy that reads the time from now; tests use it.
func (d *Desk) WithClock(now func() time.Time) *Desk {
	c := *d
	c.now = now
	return &c
}

// Directory is the postal directory accounts are checked against.
func (d *Desk) Directory() *postal.Directory { return d.directory }

// Catalogue is the service catalogue the desk manages.
func (d *Desk) Catalogue() *catalogue.Catalogue { return d.catalogue }

func (d *Desk) clock() time.Time { return d.now().UTC().Truncate(time.Millisecond) }

// Login checks a username and password. Errors: staff.ErrBadLogin (an unknown user, a wrong
// password and a locked account, not told apart), staff.ErrDisabled. Every attempt is audited.
func (d *Desk) Login(ctx context.Context, username, password, ip string) (staff.Account, error) {
	now := d.clock()
	username = staff.NormalizeUsername(username)
	a, err := d.store.AccountByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		staff.SpendPasswordTime(password)
		d.auditQuietly(ctx, Actor{Account: staff.Account{Username: username}, IP: ip}.audit("login_failed", username, "unknown username"))
		return staff.Account{}, staff.ErrBadLogin
	}
	if err != nil {
		return staff.Account{}, err
	}
	actor := Actor{Account: a, IP: ip}
	if a.Locked(now) {
		// Answered as an unknown username is, after as long: the caller cannot tell that
		// the account exists, or that it is locked.
		staff.SpendPasswordTime(password)
		d.auditQuietly(ctx, actor.audit("login_failed", username, "account locked until "+a.LockedUntil.Format(time.RFC3339)))
		return staff.Account{}, staff.ErrBadLogin
	}
	if !staff.PasswordMatches(password, a.PasswordHash) {
		after, err := d.store.RecordLoginFailure(ctx, a.ID, now)
		if err != nil {
			return staff.Account{}, err
		}
		if after.Locked(now) {
			d.auditQuietly(ctx, actor.audit("account_locked", username, fmt.Sprintf("%d wrong passwords", staff.MaxFailedLogins)))
			return staff.Account{}, staff.ErrBadLogin
		}
		d.auditQuietly(ctx, actor.audit("login_failed", username, "wrong password"))
		return staff.Account{}, staff.ErrBadLogin
	}
	// The password was right: only now say that the account is disabled.
	if a.Disabled {
		d.auditQuietly(ctx, actor.audit("login_failed", username, "account disabled"))
		return staff.Account{}, staff.ErrDisabled
	}
	if err := d.store.RecordLoginSuccess(ctx, a.ID, now); err != nil {
		return staff.Account{}, err
	}
	a.FailedLogins = 0
	return a, d.store.Audit(ctx, actor.audit("login", username, ""))
}

// auditQuietly writes an audit entry whose failure must not change the answer (a refused
// login stays refused).
func (d *Desk) auditQuietly(ctx context.Context, e audit.Entry) {
	e.At = d.clock()
	_ = d.store.Audit(ctx, e)
}

// Audit records an action the caller did (a logout, an export) in the audit log.
func (d *Desk) Audit(ctx context.Context, actor Actor, action, target, details string) error {
	e := actor.audit(action, target, details)
	e.At = d.clock()
	return d.store.Audit(ctx, e)
}

// SessionAccount returns the account of a session made at authenticatedAt, as it is now;
// ErrSessionEnded if it was disabled, deleted or had its password changed since.
func (d *Desk) SessionAccount(ctx context.Context, id int64, authenticatedAt time.Time) (staff.Account, error) {
	a, err := d.store.AccountByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return staff.Account{}, ErrSessionEnded
	}
	if err != nil {
		return staff.Account{}, err
	}
	if a.Disabled || a.PasswordChangedAt.After(authenticatedAt) {
		return staff.Account{}, ErrSessionEnded
	}
	return a, nil
}

// ChangeOwnPassword sets a new password after checking the current one. Errors: a
// *request.ValidationError with messages for the fields "current_password" and "password".
// It ends the account's other sessions and tokens; the caller renews its own session.
func (d *Desk) ChangeOwnPassword(ctx context.Context, actor Actor, current, next string) (time.Time, error) {
	a, err := d.store.AccountByID(ctx, actor.Account.ID)
	if err != nil {
		return time.Time{}, err
	}
	errs := request.FieldErrors{}
	if !staff.PasswordMatches(current, a.PasswordHash) {
		errs["current_password"] = "This is not your current password."
	}
	if msg := staff.CheckPassword(next, a.Username); msg != "" {
		errs[staff.FieldPassword] = msg
	} else if next == current {
		errs[staff.FieldPassword] = "Choose a password different from the current one."
	}
	if len(errs) > 0 {
		return time.Time{}, &request.ValidationError{Fields: errs}
	}
	hash, err := staff.HashPassword(next)
	if err != nil {
		return time.Time{}, err
	}
	now := d.clock()
	return now, d.store.SetPassword(ctx, a.ID, hash, now, actor.audit("password_change", a.Username, ""))
}

// IssueToken logs in for the staff API and returns a new bearer token (shown once; only its
// hash is kept) and when it expires. Errors as for Login.
func (d *Desk) IssueToken(ctx context.Context, username, password, ip string) (string, time.Time, error) {
	a, err := d.Login(ctx, username, password, ip)
	if err != nil {
		return "", time.Time{}, err
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	token := "dst_" + base64.RawURLEncoding.EncodeToString(raw)
	now := d.clock()
	expires := now.Add(TokenTTL)
	if err := d.store.CreateToken(ctx, store.Token{Hash: hashToken(token), AccountID: a.ID, CreatedAt: now, ExpiresAt: expires}); err != nil {
		return "", time.Time{}, err
	}
	return token, expires, d.Audit(ctx, Actor{Account: a, IP: ip}, "token_issue", a.Username, "expires "+expires.Format(time.RFC3339))
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// TokenAccount returns the account a bearer token belongs to; ErrSessionEnded for an unknown,
// expired or revoked token, or one issued before the account was disabled or its password
// changed.
func (d *Desk) TokenAccount(ctx context.Context, token string) (staff.Account, error) {
	if !strings.HasPrefix(token, "dst_") {
		return staff.Account{}, ErrSessionEnded
	}
	a, t, err := d.store.AccountByToken(ctx, hashToken(token), d.clock())
	if errors.Is(err, store.ErrNotFound) {
		return staff.Account{}, ErrSessionEnded
	}
	if err != nil {
		return staff.Account{}, err
	}
	if a.Disabled || a.PasswordChangedAt.After(t.CreatedAt) {
		return staff.Account{}, ErrSessionEnded
	}
	return a, nil
}

// RevokeToken ends a bearer token (the app's logout).
func (d *Desk) RevokeToken(ctx context.Context, actor Actor, token string) error {
	if err := d.store.RevokeToken(ctx, hashToken(token), d.clock()); err != nil {
		return err
	}
	return d.Audit(ctx, actor, "token_revoke", actor.Account.Username, "")
}
