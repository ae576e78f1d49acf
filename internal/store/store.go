// Package store defines what Doorstep keeps in its database. Each backend (sqlite, and
// postgres beside it) implements Store with its own SQL and migrations; nothing above this
// package knows which one is underneath. Each consumer declares the small interface it
// needs (intake.Store, desk.Store, catalogue.Store, backoffice.Sessions...), which Store
// holds. What the backends share but SQL (the conditions of a filter, the one-time-code
// flow, the audit entry's defaults, the catalogue seed, what counts as not found) is here.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/doorstep-post/doorstep/internal/store/groupcommit"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/otp"
	"github.com/doorstep-post/doorstep/internal/request"
)

// Errors every backend returns for the same situations.
var (
	// ErrNotFound: no row matches.
	ErrNotFound = errors.New("store: not found")
	// ErrIdempotencyKeyReused: an idempotency key was sent again with a different request.
	ErrIdempotencyKeyReused = errors.New("store: idempotency key reused for a different request")
	// ErrNotRetryable: only a failed notification can be sent again.
	ErrNotRetryable = errors.New("only a failed message can be sent again")
	// ErrChangedMeanwhile: the request is no longer as the change was decided on (another
	// change came first).
	ErrChangedMeanwhile = errors.New("store: the request changed meanwhile")
	// ErrUnavailable: the database did not answer in time; the work may or may not have
	// been saved (groupcommit.ErrDeadline).
	ErrUnavailable = groupcommit.ErrDeadline
)

// Store is all the persistence Doorstep needs, as every backend implements it: the union of
// its consumers' interfaces. Every method is safe for concurrent use.
type Store interface {
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database; it waits for nothing else.
	Close() error

	// Services lists the whole catalogue, active or not, in display order.
	Services(ctx context.Context) ([]request.Service, error)
	// SetServiceActive switches a service on or off; ErrNotFound for an unknown code.
	SetServiceActive(ctx context.Context, code string, active bool) error
	// SetServiceTarget sets a service's target time in hours (request.TargetHoursMin to
	// request.TargetHoursMax; the database refuses others); ErrNotFound for an unknown code.
	SetServiceTarget(ctx context.Context, code string, hours int) error

	// Submit saves a new request and its first history entry in one transaction, unless the
	// idempotency key was seen before (the earlier request is returned) or an open request
	// with the same mobile, service and pincode exists since DuplicateSince (that one is
	// returned). Concurrent identical submissions yield one request.
	Submit(ctx context.Context, sub Submission) (SubmitResult, error)

	// Replay returns what Submit answered for an idempotency key seen before, or ErrNotFound;
	// ErrIdempotencyKeyReused if the key came with other content.
	Replay(ctx context.Context, key, fingerprint string) (SubmitResult, error)

	// RequestByReference returns one request with its history, or ErrNotFound.
	RequestByReference(ctx context.Context, ref request.Reference) (request.Request, error)
	// PublicRequestByReference returns what public pages and tracking show of one request
	// (PublicColumns; the request's other fields are left empty), or ErrNotFound. Tracking,
	// the call customers make most, reads no more than it shows, and the address, e-mail and
	// details never reach the public surfaces.
	PublicRequestByReference(ctx context.Context, ref request.Reference) (request.Request, error)
	// PublicRequestsByMobile returns what tracking shows of a mobile's requests, newest first.
	PublicRequestsByMobile(ctx context.Context, mobile string, limit int) ([]request.Request, error)
	// RequestByID returns one request with its history, or ErrNotFound.
	RequestByID(ctx context.Context, id int64) (request.Request, error)

	// RequestsByIDs returns the requests with these ids that exist, by id, each once (ids
	// may repeat).
	RequestsByIDs(ctx context.Context, ids []int64) ([]request.Request, error)

	// Notification returns one notification, or ErrNotFound.
	Notification(ctx context.Context, id int64) (Notification, error)
	// Notifications returns the notifications with these ids that exist, by id, each once.
	Notifications(ctx context.Context, ids []int64) ([]Notification, error)
	// NotificationsForRequest lists a request's notifications, oldest first.
	NotificationsForRequest(ctx context.Context, requestID int64) ([]Notification, error)
	// CreateOTP saves a one-time code for a mobile, unless otp.MaxPerHour codes were made for
	// it in the hour before CreatedAt (otp.ErrRateLimited).
	CreateOTP(ctx context.Context, code NewOTP) error
	// UseOTP checks code against the mobile's newest unexpired, unused code and, if it
	// matches, uses it up. Errors: otp.ErrNoCode, otp.ErrWrongCode (a try is counted),
	// otp.ErrLocked (otp.MaxAttempts tries made).
	UseOTP(ctx context.Context, mobile, code string, now time.Time) error

	// RetryNotification queues a failed notification again (staff asked for it), with its
	// job, in one transaction. ErrNotFound; ErrNotRetryable unless it failed, or if it was a
	// one-time code (its code is gone: the customer asks for a new one).
	RetryNotification(ctx context.Context, id int64, at time.Time) error

	// RecordAttempts notes the outcomes of attempts to send notifications, in one
	// transaction; ErrNotFound if a notification does not exist (then none is recorded).
	RecordAttempts(ctx context.Context, attempts []Attempt) error

	// DeleteExpired removes what is kept only for a while, as of now: expired sessions,
	// idempotency keys older than IdempotencyKeyRetention, one-time codes expired for more
	// than OneTimeCodeRetention, and API tokens expired or revoked OldTokenRetention ago.
	DeleteExpired(ctx context.Context, now time.Time) (Deleted, error)

	BackOffice
	Dashboard
	Loader
}

// Dashboard is what the dashboard keeps: counters that every change adds to in its own
// transaction (see package dashboard), and their recount from the requests.
type Dashboard interface {
	// DashboardDays returns, for the days from and to (both included), the daily counters
	// per service of unit (a dashboard.Unit.Key) and those of all services together
	// (dashboard.AllServices) of the children.
	DashboardDays(ctx context.Context, unit string, children []string, from, to dashboard.Day) ([]dashboard.DayRow, error)
	// DashboardOpenSums returns, for each of these units and each service, how many
	// requests are open and how many of those were submitted before each bound
	// (OpenSumsStatements).
	DashboardOpenSums(ctx context.Context, units []string, bounds []dashboard.Hour) ([]dashboard.OpenSums, error)
	// StoredDashboard reads every counter.
	StoredDashboard(ctx context.Context) (*dashboard.Tally, error)
	// RecountDashboard counts every request again, as the counters should have it.
	RecountDashboard(ctx context.Context) (*dashboard.Tally, error)
	// RepairDashboard rewrites the counters from a recount, with no change in between.
	RepairDashboard(ctx context.Context) error
	// CheckDashboard reads every counter and recounts the requests in one snapshot of the
	// database, so that a change made meanwhile cannot show as a difference between them.
	CheckDashboard(ctx context.Context) (stored, recounted *dashboard.Tally, err error)
}

// How long what DeleteExpired removes is kept.
const (
	// IdempotencyKeyRetention: an app retries a request within minutes; a week covers a
	// phone that was off for days. (The 24-hour duplicate rule still applies after.)
	IdempotencyKeyRetention = 7 * 24 * time.Hour
	// OneTimeCodeRetention: a code counts for its rate limit for an hour; a day after expiry
	// is kept for looking into abuse.
	OneTimeCodeRetention = 24 * time.Hour
	// OldTokenRetention: staff API tokens that stopped working.
	OldTokenRetention = 30 * 24 * time.Hour
)

// Deleted counts the rows DeleteExpired removed.
type Deleted struct {
	Sessions, IdempotencyKeys, OneTimeCodes, Tokens int
}

// Expiry is one step of DeleteExpired: a DELETE, its arguments, and the count it adds to.
type Expiry struct {
	SQL   string
	Args  []any
	Count func(*Deleted) *int
}

// Expiries are the steps of DeleteExpired as of now, in dialect d; a backend runs them in
// one transaction.
func Expiries(now time.Time, d Dialect) []Expiry {
	tokensBefore := d.Time(now.Add(-OldTokenRetention))
	return []Expiry{
		{"DELETE FROM sessions WHERE expiry <= " + d.Param(1), []any{d.Time(now)},
			func(c *Deleted) *int { return &c.Sessions }},
		{"DELETE FROM idempotency_keys WHERE created_at < " + d.Param(1), []any{d.Time(now.Add(-IdempotencyKeyRetention))},
			func(c *Deleted) *int { return &c.IdempotencyKeys }},
		{"DELETE FROM otp_codes WHERE expires_at < " + d.Param(1), []any{d.Time(now.Add(-OneTimeCodeRetention))},
			func(c *Deleted) *int { return &c.OneTimeCodes }},
		{"DELETE FROM api_tokens WHERE expires_at < " + d.Param(1) + " OR revoked_at < " + d.Param(2), []any{tokensBefore, tokensBefore},
			func(c *Deleted) *int { return &c.Tokens }},
	}
}

// NewOTP is a one-time code on its way into the store.
type NewOTP struct {
	Mobile    string
	Code      otp.Hashed
	CreatedAt time.Time
	ExpiresAt time.Time
	// Notification carries the code to the mobile, queued in the same transaction.
	Notification *NewNotification
}

// Notification statuses.
const (
	NotificationQueued   = "queued"   // not tried yet
	NotificationSent     = "sent"     // the gateway accepted it
	NotificationRetrying = "retrying" // an attempt failed; another will follow
	NotificationFailed   = "failed"   // the last attempt failed
)

// NewNotification is a message to send, saved in the same transaction as the change that
// causes it, so that it is sent if and only if the change is committed.
type NewNotification struct {
	Channel   string // "sms" or "email"
	Kind      string // which message: "submitted", "completed"...
	Recipient string // the mobile (10 digits) or the e-mail address
	Language  request.Language
	// RequestStatus is the status the message is about (for a status change), so that it
	// says what happened then even if the request moved on before it was sent.
	RequestStatus request.Status
	// Secret is what the message must carry that the database keeps only until the message
	// is sent or given up (a one-time code).
	Secret string
}

// Notification is a message to a customer and where its delivery stands.
type Notification struct {
	ID        int64
	RequestID int64
	NewNotification
	Status    string
	Attempts  int
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
	SentAt    time.Time // zero until sent
}

// MessageID is the stable id sent to the gateway with every attempt, so that a retry after a
// timeout can be recognised as the same message on the other side.
func (n Notification) MessageID() string { return fmt.Sprintf("doorstep-%d-%s", n.ID, n.Channel) }

// Attempt is the outcome of one try to send a notification.
type Attempt struct {
	NotificationID int64
	Number         int // 1 for the first try
	At             time.Time
	Err            string // empty: sent
	Final          bool   // no further attempt will be made
}

// Status is the notification's status after the attempt.
func (a Attempt) Status() string {
	switch {
	case a.Err == "":
		return NotificationSent
	case a.Final:
		return NotificationFailed
	default:
		return NotificationRetrying
	}
}

// Submission is a new request on its way into the store.
type Submission struct {
	// Request is saved as given, but for ID and Reference, which the store assigns, and
	// History, which starts with one submitted entry at CreatedAt.
	Request request.Request
	// NewReference draws a reference; the store calls it again if one is already taken.
	NewReference func() request.Reference
	// IdempotencyKey, if not empty, makes a repeated submission return the first result.
	IdempotencyKey string
	// Fingerprint identifies the submission's content, to refuse a reused key.
	Fingerprint string
	// DuplicateSince: open requests created at or after this time count as duplicates.
	DuplicateSince time.Time
	// Notifications are saved with a new request (not with a duplicate or a replay) and
	// handed to the backend's enqueuer in the same transaction.
	Notifications []NewNotification
}

// SubmitResult says what Submit did.
type SubmitResult struct {
	Request request.Request
	// Duplicate: an open request for the same thing existed and is returned instead.
	Duplicate bool
	// Replayed: the idempotency key was seen before; Duplicate is as it was the first time.
	Replayed bool
}

// A request's status history is kept in its own row, as a JSON array: tracking, the most
// frequent call, then reads one row, as a primary-key lookup. (A separate events table cost
// PostgreSQL a join per lookup, about a sixth of tracking throughput in the benchmark.)
// Entries are only ever appended, in the same statement that changes the status.
type historyEntry struct {
	Status  request.Status `json:"status"`
	At      time.Time      `json:"at"`
	Remarks string         `json:"remarks,omitempty"`
	Actor   string         `json:"actor,omitempty"`
	// Assigned is the post office or postman the request was given to with this change.
	Assigned string `json:"assigned_to,omitempty"`
}

// EncodeHistory is the JSON form of a history that backends store.
func EncodeHistory(history []request.Event) (string, error) {
	entries := make([]historyEntry, len(history))
	for i, e := range history {
		entries[i] = historyEntry{Status: e.Status, At: e.At.UTC(), Remarks: e.Remarks, Actor: e.Actor, Assigned: e.AssignedTo}
	}
	b, err := json.Marshal(entries)
	return string(b), err
}

// DecodeHistory reads a stored history.
func DecodeHistory(data []byte) ([]request.Event, error) {
	if history, ok := decodeHistoryFast(data); ok {
		return history, nil
	}
	return decodeHistoryJSON(data)
}

// decodeHistoryJSON is DecodeHistory with encoding/json, for what decodeHistoryFast does
// not read.
func decodeHistoryJSON(data []byte) ([]request.Event, error) {
	var entries []historyEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("store: request history: %w", err)
	}
	history := make([]request.Event, len(entries))
	for i, e := range entries {
		history[i] = request.Event{Status: e.Status, At: e.At.UTC(), Remarks: e.Remarks, Actor: e.Actor, AssignedTo: e.Assigned}
	}
	return history, nil
}

// RequestColumns are the columns of a request that ScanRequest reads, the same on every
// backend.
const RequestColumns = `id, reference, service_code, name, address, pincode, email, mobile, details, language,
	division, region, circle, district, state, status, history, created_at, updated_at, assigned_to`

// ScanRequest reads a row of RequestColumns, with its history. T is how the backend keeps a
// time (Unix milliseconds, or a time), and toTime turns it into a time in UTC. Text goes into
// plain strings first: pgx scans a named string type by reflection.
func ScanRequest[T any](row Scanner, toTime func(T) time.Time) (request.Request, error) {
	var r request.Request
	var ref, language, status string
	var history []byte
	var created, updated T
	if err := row.Scan(&r.ID, &ref, &r.ServiceCode, &r.Name, &r.Address, &r.Pincode, &r.Email, &r.Mobile,
		&r.Details, &language, &r.Division, &r.Region, &r.Circle, &r.District, &r.State, &status, &history,
		&created, &updated, &r.AssignedTo); err != nil {
		return request.Request{}, err
	}
	r.Reference, r.Language, r.Status = request.Reference(ref), request.Language(language), request.Status(status)
	r.CreatedAt, r.UpdatedAt = toTime(created), toTime(updated)
	var err error
	r.History, err = DecodeHistory(history)
	return r, err
}

// PublicColumns are the columns of a request that public pages and tracking show (the name
// as initials, the mobile masked), which ScanPublic reads.
const PublicColumns = `id, reference, service_code, name, mobile, pincode, division, region, circle, status, history,
	created_at, updated_at`

// ScanPublic reads a row of PublicColumns, as ScanRequest does.
func ScanPublic[T any](row Scanner, toTime func(T) time.Time) (request.Request, error) {
	var r request.Request
	var ref, status string
	var history []byte
	var created, updated T
	if err := row.Scan(&r.ID, &ref, &r.ServiceCode, &r.Name, &r.Mobile, &r.Pincode, &r.Division, &r.Region, &r.Circle,
		&status, &history, &created, &updated); err != nil {
		return request.Request{}, err
	}
	r.Reference, r.Status = request.Reference(ref), request.Status(status)
	r.CreatedAt, r.UpdatedAt = toTime(created), toTime(updated)
	var err error
	r.History, err = DecodeHistory(history)
	return r, err
}

// Helpers for the backends' SQL.

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ContainsPattern is a LIKE pattern (with ESCAPE '\') matching text that contains s, with
// s's own % and _ taken literally.
func ContainsPattern(s string) string { return "%" + likeEscaper.Replace(s) + "%" }

// Qualified prefixes each column of a comma-separated list with table, for a join.
func Qualified(table, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = table + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// SeenKey is an idempotency key as kept: the content it came with and what it answered.
type SeenKey struct {
	Fingerprint string
	RequestID   int64
	Duplicate   bool
}

// QuerySeenKey reads a SeenKey's columns, with the key bound to placeholder.
func QuerySeenKey(placeholder string) string {
	return "SELECT fingerprint, request_id, duplicate FROM idempotency_keys WHERE key = " + placeholder
}

// Answer is what the key answers a submission with fingerprint: a replay of what it answered
// first (the caller reads k.RequestID into it), or ErrIdempotencyKeyReused for other content.
func (k SeenKey) Answer(fingerprint string) (SubmitResult, error) {
	if k.Fingerprint != fingerprint {
		return SubmitResult{}, ErrIdempotencyKeyReused
	}
	return SubmitResult{Duplicate: k.Duplicate, Replayed: true}, nil
}

// Refused says why a conditional change matched no row: ErrNotFound if the row does not
// exist, else conflict (it exists, but no longer as the change required). Both backends
// decide it here, after asking whether the row exists (QueryExists).
func Refused(exists bool, conflict error) error {
	if !exists {
		return ErrNotFound
	}
	return conflict
}

// QueryExists asks whether table has a row with id $1 (the same SQL on both backends but
// for the placeholder: bind one argument).
func QueryExists(table, placeholder string) string {
	return "SELECT EXISTS (SELECT 1 FROM " + table + " WHERE id = " + placeholder + ")"
}

// Scanner is a row of either backend.
type Scanner interface{ Scan(dest ...any) error }

// QueryServices lists the catalogue in display order, for ScanService.
const QueryServices = `SELECT code, name, name_hi, description, description_hi, active, target_hours FROM services ORDER BY sort_order, code`

// ScanService reads a row of QueryServices.
func ScanService(row Scanner) (request.Service, error) {
	var svc request.Service
	err := row.Scan(&svc.Code, &svc.Name, &svc.NameHi, &svc.Description, &svc.DescriptionHi, &svc.Active, &svc.TargetHours)
	return svc, err
}
