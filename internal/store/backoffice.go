package store

import (
	"context"
	"errors"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
)

// Errors of the back office's store.
var (
	// ErrUsernameTaken: an account with that username exists.
	ErrUsernameTaken = errors.New("store: username taken")
)

// BackOffice is what the staff back office keeps: accounts, sessions, API tokens, the desk's
// queries, status changes and the audit log.
type BackOffice interface {
	// CreateAccount saves a new account (ID and times are assigned); ErrUsernameTaken.
	CreateAccount(ctx context.Context, a staff.Account, entry audit.Entry) (staff.Account, error)
	// AccountByUsername returns an account, or ErrNotFound.
	AccountByUsername(ctx context.Context, username string) (staff.Account, error)
	// AccountByID returns an account, or ErrNotFound.
	AccountByID(ctx context.Context, id int64) (staff.Account, error)
	// Accounts lists every account by username.
	Accounts(ctx context.Context) ([]staff.Account, error)
	// SetAccountDisabled disables or enables an account; ErrNotFound.
	SetAccountDisabled(ctx context.Context, id int64, disabled bool, at time.Time, entry audit.Entry) error
	// SetPassword replaces an account's password hash, clears its failed logins and lock,
	// and sets PasswordChangedAt to at (ending earlier sessions and tokens); ErrNotFound.
	SetPassword(ctx context.Context, id int64, hash string, at time.Time, entry audit.Entry) error
	// RecordLoginFailure counts a wrong password; the staff.MaxFailedLogins-th in a row locks
	// the account until at+staff.LockFor and starts the count again. Returns the account as
	// it is afterwards.
	RecordLoginFailure(ctx context.Context, id int64, at time.Time) (staff.Account, error)
	// RecordLoginSuccess clears an account's failed logins.
	RecordLoginSuccess(ctx context.Context, id int64, at time.Time) error

	// FindSession returns a session's data if it exists and has not expired at now.
	FindSession(ctx context.Context, token string, now time.Time) ([]byte, bool, error)
	// CommitSession saves a session, replacing one with the same token.
	CommitSession(ctx context.Context, token string, data []byte, expiry time.Time) error
	// DeleteSession removes a session; no error if there is none. Expired sessions go with
	// Store.DeleteExpired.
	DeleteSession(ctx context.Context, token string) error

	// CreateToken saves an API token (by its hash).
	CreateToken(ctx context.Context, t Token) error
	// AccountByToken returns the account of an unrevoked token unexpired at now, or
	// ErrNotFound.
	AccountByToken(ctx context.Context, hash string, now time.Time) (staff.Account, Token, error)
	// RevokeToken revokes a token; no error if there is none.
	RevokeToken(ctx context.Context, hash string, at time.Time) error

	// DeskRequests lists requests matching q, in q's order, at most q.Limit.
	DeskRequests(ctx context.Context, q DeskQuery) ([]request.Request, error)
	// DeskCounts counts requests matching q, by status, ignoring q.Statuses, the cursor and
	// the limit. A count stops at cap+1 (cap <= 0: DefaultCountCap), which means "more than
	// cap": counting every closed request of a busy unit on each page load costs more than
	// the number is worth (22 ms at 100,000 requests on SQLite).
	DeskCounts(ctx context.Context, q DeskQuery, cap int) (map[request.Status]int, error)

	// ChangeStatus applies a checked change to a request, appends it to the history, saves
	// its notifications (queued with their job) and its audit entry, all in one transaction.
	// ErrNotFound; ErrChangedMeanwhile if the request's status is no longer c.From, or (with
	// c.Version set) its version is no longer c.Version: the check and the change are one
	// statement.
	ChangeStatus(ctx context.Context, c StatusChange) (request.Request, error)

	// Audit writes an entry to the audit log.
	Audit(ctx context.Context, e audit.Entry) error
	// AuditLog lists entries matching q, newest first.
	AuditLog(ctx context.Context, q audit.Query) ([]audit.Entry, error)
}

// DefaultCountCap is where DeskCounts stops counting.
const DefaultCountCap = 10_000

// AllStatuses are every status, in workflow order.
var AllStatuses = []request.Status{request.StatusSubmitted, request.StatusInProgress, request.StatusCompleted,
	request.StatusNotServiceable, request.StatusCancelled}

// Token is a staff API token as stored: only its hash, so that a copy of the database gives
// no one a working token.
type Token struct {
	Hash      string
	AccountID int64
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt time.Time // zero while valid
}

// DeskQuery selects requests for the desk, its exports and the staff API. Empty fields do
// not filter.
type DeskQuery struct {
	// The scope: the Division, Region or Circle the requests belong to.
	Division, Region, Circle string

	Statuses   []request.Status
	Service    string
	Pincode    string
	AssignedTo string
	// CreatedFrom and CreatedBefore bound the creation time: [CreatedFrom, CreatedBefore).
	CreatedFrom, CreatedBefore time.Time

	// Search by one of these (the caller decides which the person typed).
	Reference    request.Reference
	Mobile       string
	NameContains string // case-insensitive

	// Overdue keeps only the open requests submitted before the cutoff of their service
	// (request.OverdueCutoff): one cutoff per service, since targets differ. A service
	// without one has no overdue requests.
	Overdue        bool
	OverdueCutoffs []ServiceCutoff

	// NewestFirst orders by creation time descending; the default is oldest first, the order
	// in which a Division should attend to requests.
	NewestFirst bool
	// After continues a listing after the last request of the previous page (keyset
	// pagination on creation time and id).
	After *Cursor
	// Limit caps the rows returned (0: no cap, for exports).
	Limit int
}

// ServiceCutoff is when the requests of a service must have been submitted before to be
// overdue.
type ServiceCutoff struct {
	Service string
	Before  time.Time
}

// Cursor is where a page of the desk ended.
type Cursor struct {
	CreatedAt time.Time
	ID        int64
}

// StatusChange is a checked change to a request's status.
type StatusChange struct {
	RequestID int64
	// From is the status the change was checked against (request.CheckChange).
	From request.Status
	// Version, if not 0, is the version of the request the change was decided on
	// (request.Request.Version): the change is refused if the request has another.
	Version int
	Change  request.Change
	Actor   string // the username, or "customer"
	At      time.Time
	// Notifications tell the customer; saved and queued in the same transaction.
	Notifications []NewNotification
	// Audit is written in the same transaction (completed with the change's time and the
	// request's reference); none if it is empty.
	Audit audit.Entry
}

// EncodedEvent is the history entry the change appends, as the JSON array (of one) that
// backends append to the stored history.
func (c StatusChange) EncodedEvent() (string, error) {
	return EncodeHistory([]request.Event{{Status: c.Change.To, At: c.At, Remarks: c.Change.Remarks,
		Actor: c.Actor, AssignedTo: c.Change.AssignedTo}})
}
