// Package sqlite is the embedded backend: one SQLite file in WAL mode, written through a
// single connection (SQLite allows one writer at a time; queuing writers in Go is cheaper and
// fairer than letting them spin on the file lock) and read through a separate pool, so that
// tracking never waits behind a submission.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/doorstep-post/doorstep/internal/otp"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/groupcommit"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is the SQLite implementation of store.Store.
type Store struct {
	writer  *sql.DB
	readers *sql.DB
	// enqueue hands new notifications to the job queue inside the transaction that saves
	// them; nil until SetEnqueuer (then nothing is queued).
	enqueue Enqueuer
	// submissions waiting to be written together (group commit, submit.go).
	submissions *groupcommit.Queue[store.Submission, store.SubmitResult]
}

// Enqueuer queues one job inside tx that sends the notifications whose ids it is given, so
// that the job exists if and only if tx commits.
type Enqueuer func(ctx context.Context, tx *sql.Tx, notificationIDs []int64) error

// SetEnqueuer sets the job queue's hook. Call it before serving.
func (s *Store) SetEnqueuer(e Enqueuer) { s.enqueue = e }

// Enqueuer is the job queue's hook, nil if none is set.
func (s *Store) Enqueuer() Enqueuer { return s.enqueue }

// Writer is the single-connection pool that writes; the job queue shares it, because SQLite
// allows one writer at a time.
func (s *Store) Writer() *sql.DB { return s.writer }

var _ store.Store = (*Store)(nil)

// Durability over speed: synchronous(FULL) makes every commit survive a power cut, because a
// customer told "saved" must never lose the request. busy_timeout covers other processes
// (doorstep migrate) holding the file briefly.
const commonPragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"

// Open opens (creating if needed) the database file at path. It does not migrate; call Migrate.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") || path == ":memory:" {
		return nil, fmt.Errorf("sqlite: %q is not a usable database file path", path)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqlite: create directory for database: %w", err)
		}
	}
	// _txlock=immediate takes the write lock at BEGIN, so a read-then-write transaction
	// (duplicate check, then insert) can never be overtaken by another writer.
	// temp_store(memory): a group of submissions runs each in a savepoint, whose undo copies
	// of pages (the statement journal) otherwise spill to a temporary file past 64 KiB, a
	// write system call per page; they stay within one group's pages, a few MiB at most.
	writer, err := openCaching(path + "?" + commonPragmas +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=temp_store(memory)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxIdleTime(0)
	writer.SetConnMaxLifetime(0)
	// The writer connection creates the file and switches it to WAL before any reader opens it.
	var mode string
	if err := writer.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if mode != "wal" {
		writer.Close()
		return nil, fmt.Errorf("sqlite: %s is in journal mode %q, want wal", path, mode)
	}
	readers, err := openCaching(path + "?" + commonPragmas + "&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	readers.SetMaxOpenConns(n)
	readers.SetMaxIdleConns(n)
	s := &Store{writer: writer, readers: readers}
	s.submissions = s.newSubmissionQueue()
	return s, nil
}

// Migrate applies every pending migration.
func (s *Store) Migrate(ctx context.Context, log *slog.Logger) error {
	return migrate(ctx, s.writer, log)
}

func migrate(ctx context.Context, db *sql.DB, log *slog.Logger) error {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	provider, err := goose.NewProvider(goose.DialectSQLite3, db, files)
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	for _, r := range results {
		log.Info("applied migration", "version", r.Source.Version, "file", filepath.Base(r.Source.Path), "duration", r.Duration)
	}
	return nil
}

// Ping checks both pools.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.readers.PingContext(ctx); err != nil {
		return err
	}
	var one int
	return s.readers.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close closes the readers, then the writer, which checkpoints the WAL into the main file.
func (s *Store) Close() error {
	return errors.Join(s.readers.Close(), s.writer.Close())
}

// querier is what both a pool and a transaction offer, so reads work in and out of one.
// Statements are cached by the connections themselves (stmtcache.go).
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Services lists the catalogue in display order.
func (s *Store) Services(ctx context.Context) ([]request.Service, error) {
	rows, err := s.readers.QueryContext(ctx, `
		SELECT code, name, name_hi, description, description_hi, active
		FROM services ORDER BY sort_order, code`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: services: %w", err)
	}
	defer rows.Close()
	var out []request.Service
	for rows.Next() {
		var svc request.Service
		if err := rows.Scan(&svc.Code, &svc.Name, &svc.NameHi, &svc.Description, &svc.DescriptionHi, &svc.Active); err != nil {
			return nil, fmt.Errorf("sqlite: services: %w", err)
		}
		out = append(out, svc)
	}
	return out, rows.Err()
}

// SetServiceActive implements store.Store.
func (s *Store) SetServiceActive(ctx context.Context, code string, active bool) error {
	res, err := s.writer.ExecContext(ctx, `UPDATE services SET active = ? WHERE code = ?`, active, code)
	if err != nil {
		return fmt.Errorf("sqlite: set service active: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// submitTx writes one submission in tx; the ids are those of its new notifications, whose
// job the caller queues.
func (s *Store) submitTx(ctx context.Context, tx *sql.Tx, sub store.Submission) (store.SubmitResult, []int64, error) {
	if sub.IdempotencyKey != "" {
		var fingerprint string
		var requestID int64
		var duplicate bool
		err := tx.QueryRowContext(ctx, queryIdempotencyKey, sub.IdempotencyKey).Scan(&fingerprint, &requestID, &duplicate)
		switch {
		case err == nil:
			if fingerprint != sub.Fingerprint {
				return store.SubmitResult{}, nil, store.ErrIdempotencyKeyReused
			}
			req, err := requestByID(ctx, tx, requestID)
			return store.SubmitResult{Request: req, Duplicate: duplicate, Replayed: true}, nil, err
		case !errors.Is(err, sql.ErrNoRows):
			return store.SubmitResult{}, nil, fmt.Errorf("sqlite: idempotency key: %w", err)
		}
	}

	r := sub.Request
	var result store.SubmitResult
	var notificationIDs []int64
	var existingID int64
	err := tx.QueryRowContext(ctx, queryOpenDuplicate,
		r.Mobile, r.ServiceCode, r.Pincode, request.StatusSubmitted, request.StatusInProgress,
		sub.DuplicateSince.UnixMilli()).Scan(&existingID)
	switch {
	case err == nil:
		result.Duplicate = true
		if result.Request, err = requestByID(ctx, tx, existingID); err != nil {
			return store.SubmitResult{}, nil, err
		}
	case errors.Is(err, sql.ErrNoRows):
		if result.Request, err = insertRequest(ctx, tx, r, sub.NewReference); err != nil {
			return store.SubmitResult{}, nil, err
		}
		if notificationIDs, err = insertNotifications(ctx, tx, result.Request.ID, r.CreatedAt, sub.Notifications); err != nil {
			return store.SubmitResult{}, nil, err
		}
	default:
		return store.SubmitResult{}, nil, fmt.Errorf("sqlite: duplicate check: %w", err)
	}

	if sub.IdempotencyKey != "" {
		if _, err := tx.ExecContext(ctx, queryInsertIdempotencyKey,
			sub.IdempotencyKey, sub.Fingerprint, result.Request.ID, result.Duplicate, r.CreatedAt.UnixMilli()); err != nil {
			return store.SubmitResult{}, nil, fmt.Errorf("sqlite: save idempotency key: %w", err)
		}
	}
	return result, notificationIDs, nil
}

// referenceAttempts bounds retries on a reference collision, which at 31^9 references is
// vanishingly rare; several in a row would mean a broken random source.
const referenceAttempts = 5

func insertRequest(ctx context.Context, tx querier, r request.Request, newReference func() request.Reference) (request.Request, error) {
	r.Status = request.StatusSubmitted
	r.UpdatedAt = r.CreatedAt
	r.History = []request.Event{{Status: request.StatusSubmitted, At: r.CreatedAt}}
	history, err := store.EncodeHistory(r.History)
	if err != nil {
		return request.Request{}, err
	}
	for range referenceAttempts {
		r.Reference = newReference()
		err := tx.QueryRowContext(ctx, queryInsertRequest,
			r.Reference, r.ServiceCode, r.Name, r.Address, r.Pincode, r.Email, r.Mobile, r.Details, r.Language,
			r.Division, r.Region, r.Circle, r.District, r.State, r.Status, history, r.CreatedAt.UnixMilli(), r.UpdatedAt.UnixMilli(),
		).Scan(&r.ID)
		if errors.Is(err, sql.ErrNoRows) {
			continue // reference taken: draw another
		}
		if err != nil {
			return request.Request{}, fmt.Errorf("sqlite: insert request: %w", err)
		}
		return r, nil
	}
	return request.Request{}, fmt.Errorf("sqlite: no free reference after %d attempts", referenceAttempts)
}

const requestColumns = `id, reference, service_code, name, address, pincode, email, mobile, details, language,
	division, region, circle, district, state, status, history, created_at, updated_at, assigned_to`

// The statements a submission runs inside its transaction.
const (
	queryIdempotencyKey = `SELECT fingerprint, request_id, duplicate FROM idempotency_keys WHERE key = ?`
	queryOpenDuplicate  = `SELECT id FROM requests
		WHERE mobile = ? AND service_code = ? AND pincode = ? AND status IN (?, ?) AND created_at >= ?
		ORDER BY created_at DESC LIMIT 1`
	queryInsertRequest = `INSERT INTO requests (reference, service_code, name, address, pincode, email, mobile, details, language,
			division, region, circle, district, state, status, history, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (reference) DO NOTHING
		RETURNING id`
	queryInsertIdempotencyKey = `INSERT INTO idempotency_keys (key, fingerprint, request_id, duplicate, created_at) VALUES (?, ?, ?, ?, ?)`
	queryRequestByID          = `SELECT ` + requestColumns + ` FROM requests WHERE id = ?`
)

const queryInsertNotification = `INSERT INTO notifications (request_id, channel, kind, recipient, language, secret,
		request_status, status, created_at, updated_at) VALUES (NULLIF(?, 0), ?, ?, ?, ?, ?, ?, 'queued', ?, ?) RETURNING id`

// insertNotifications saves the notifications of a change in tx and returns their ids.
func insertNotifications(ctx context.Context, tx *sql.Tx, requestID int64, at time.Time, notes []store.NewNotification) ([]int64, error) {
	if len(notes) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(notes))
	for i, n := range notes {
		if err := tx.QueryRowContext(ctx, queryInsertNotification, requestID, n.Channel, n.Kind, n.Recipient, n.Language,
			n.Secret, n.RequestStatus, at.UnixMilli(), at.UnixMilli()).Scan(&ids[i]); err != nil {
			return nil, fmt.Errorf("sqlite: insert notification: %w", err)
		}
	}
	return ids, nil
}

// queue queues a job for the notifications in tx; a no-op without any or without a queue.
func (s *Store) queue(ctx context.Context, tx *sql.Tx, notificationIDs []int64) error {
	if s.enqueue == nil || len(notificationIDs) == 0 {
		return nil
	}
	if err := s.enqueue(ctx, tx, notificationIDs); err != nil {
		return fmt.Errorf("sqlite: queue notifications: %w", err)
	}
	return nil
}

const notificationColumns = `id, COALESCE(request_id, 0), channel, kind, recipient, language, secret, status, attempts,
	last_error, created_at, updated_at, COALESCE(sent_at, 0), request_status`

func scanNotification(row scanner) (store.Notification, error) {
	var n store.Notification
	var created, updated, sent int64
	if err := row.Scan(&n.ID, &n.RequestID, &n.Channel, &n.Kind, &n.Recipient, &n.Language, &n.Secret, &n.Status, &n.Attempts,
		&n.LastError, &created, &updated, &sent, &n.RequestStatus); err != nil {
		return store.Notification{}, err
	}
	n.CreatedAt, n.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	if sent != 0 {
		n.SentAt = time.UnixMilli(sent).UTC()
	}
	return n, nil
}

// Notification implements store.Store.
func (s *Store) Notification(ctx context.Context, id int64) (store.Notification, error) {
	n, err := scanNotification(s.readers.QueryRowContext(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE id = ?`, id))
	if err != nil {
		return store.Notification{}, notFound(err, "notification")
	}
	return n, nil
}

// NotificationsForRequest implements store.Store.
func (s *Store) NotificationsForRequest(ctx context.Context, requestID int64) ([]store.Notification, error) {
	return queryAll(ctx, s.readers, "notifications", `SELECT `+notificationColumns+` FROM notifications
		WHERE request_id = ? ORDER BY id`, scanNotification, requestID)
}

// Notifications implements store.Store. The ids are one JSON parameter, so that the
// statement is the same (and cached) for any number of them.
func (s *Store) Notifications(ctx context.Context, ids []int64) ([]store.Notification, error) {
	return queryAll(ctx, s.readers, "notifications", `SELECT `+notificationColumns+` FROM notifications
		WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, scanNotification, jsonIDs(ids))
}

// queryAll runs query on the readers and scans every row it returns.
func queryAll[T any](ctx context.Context, db *sql.DB, what, query string, scan func(scanner) (T, error), args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return out, nil
}

// RequestsByIDs implements store.Store.
func (s *Store) RequestsByIDs(ctx context.Context, ids []int64) ([]request.Request, error) {
	return queryAll(ctx, s.readers, "requests by id", `SELECT `+requestColumns+` FROM requests
		WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, scanRequest, jsonIDs(ids))
}

// jsonIDs is ids as a JSON array, for json_each.
func jsonIDs(ids []int64) string {
	b, _ := json.Marshal(ids) // cannot fail for integers
	if ids == nil {
		return "[]"
	}
	return string(b)
}

// RecordAttempts implements store.Store: one transaction, so one fsync for all of them.
func (s *Store) RecordAttempts(ctx context.Context, attempts []store.Attempt) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	for _, a := range attempts {
		status, sentAt := a.Status(), any(nil)
		if status == store.NotificationSent {
			sentAt = a.At.UnixMilli()
		}
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET status = ?, attempts = ?, last_error = ?,
			updated_at = ?, sent_at = COALESCE(?, sent_at), secret = CASE WHEN ? THEN secret ELSE '' END WHERE id = ?`,
			status, a.Number, a.Err, a.At.UnixMilli(), sentAt, status == store.NotificationRetrying, a.NotificationID)
		if err != nil {
			return fmt.Errorf("sqlite: record attempt: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// RetryNotification implements store.Store.
func (s *Store) RetryNotification(ctx context.Context, id int64, at time.Time) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	res, err := tx.ExecContext(ctx, `UPDATE notifications SET status = 'queued', updated_at = ?
		WHERE id = ? AND status = 'failed' AND kind <> 'otp'`, at.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("sqlite: retry notification: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE id = ?`, id).Scan(&exists); err != nil {
			return fmt.Errorf("sqlite: retry notification: %w", err)
		}
		if exists == 0 {
			return store.ErrNotFound
		}
		return store.ErrNotRetryable
	}
	if err := s.queue(ctx, tx, []int64{id}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// Replay implements store.Store.
func (s *Store) Replay(ctx context.Context, key, fingerprint string) (store.SubmitResult, error) {
	var stored string
	var requestID int64
	var duplicate bool
	err := s.readers.QueryRowContext(ctx, queryIdempotencyKey, key).Scan(&stored, &requestID, &duplicate)
	if err != nil {
		return store.SubmitResult{}, notFound(err, "idempotency key")
	}
	if stored != fingerprint {
		return store.SubmitResult{}, store.ErrIdempotencyKeyReused
	}
	req, err := requestByID(ctx, s.readers, requestID)
	return store.SubmitResult{Request: req, Duplicate: duplicate, Replayed: true}, err
}

// RequestByID implements store.Store.
func (s *Store) RequestByID(ctx context.Context, id int64) (request.Request, error) {
	return requestByID(ctx, s.readers, id)
}

type scanner interface{ Scan(dest ...any) error }

func scanRequest(row scanner) (request.Request, error) {
	var r request.Request
	var created, updated int64
	var history []byte
	if err := row.Scan(&r.ID, &r.Reference, &r.ServiceCode, &r.Name, &r.Address, &r.Pincode, &r.Email, &r.Mobile,
		&r.Details, &r.Language, &r.Division, &r.Region, &r.Circle, &r.District, &r.State, &r.Status, &history,
		&created, &updated, &r.AssignedTo); err != nil {
		return request.Request{}, err
	}
	r.CreatedAt = time.UnixMilli(created).UTC()
	r.UpdatedAt = time.UnixMilli(updated).UTC()
	var err error
	r.History, err = store.DecodeHistory(history)
	return r, err
}

func requestByID(ctx context.Context, q querier, id int64) (request.Request, error) {
	r, err := scanRequest(q.QueryRowContext(ctx, queryRequestByID, id))
	if err != nil {
		return request.Request{}, notFound(err, "request by id")
	}
	return r, nil
}

// RequestByReference implements store.Store: one row, with its history.
func (s *Store) RequestByReference(ctx context.Context, ref request.Reference) (request.Request, error) {
	r, err := scanRequest(s.readers.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE reference = ?`, ref))
	if err != nil {
		return request.Request{}, notFound(err, "request by reference")
	}
	return r, nil
}

// RequestsByMobile implements store.Store.
func (s *Store) RequestsByMobile(ctx context.Context, mobile string, limit int) ([]request.Request, error) {
	return queryAll(ctx, s.readers, "requests by mobile", `SELECT `+requestColumns+` FROM requests
		WHERE mobile = ? ORDER BY created_at DESC, id DESC LIMIT ?`, scanRequest, mobile, limit)
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}

// CreateOTP implements store.Store.
func (s *Store) CreateOTP(ctx context.Context, code store.NewOTP) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var recent int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM otp_codes WHERE mobile = ? AND created_at > ?`,
		code.Mobile, code.CreatedAt.Add(-time.Hour).UnixMilli()).Scan(&recent); err != nil {
		return fmt.Errorf("sqlite: count codes: %w", err)
	}
	if recent >= otp.MaxPerHour {
		return otp.ErrRateLimited
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO otp_codes (mobile, salt, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		code.Mobile, code.Code.Salt, code.Code.Hash, code.CreatedAt.UnixMilli(), code.ExpiresAt.UnixMilli()); err != nil {
		return fmt.Errorf("sqlite: insert code: %w", err)
	}
	if code.Notification != nil {
		ids, err := insertNotifications(ctx, tx, 0, code.CreatedAt, []store.NewNotification{*code.Notification})
		if err != nil {
			return err
		}
		if err := s.queue(ctx, tx, ids); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// UseOTP implements store.Store.
func (s *Store) UseOTP(ctx context.Context, mobile, code string, now time.Time) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var id int64
	var stored otp.Hashed
	var attempts int
	err = tx.QueryRowContext(ctx, `SELECT id, salt, hash, attempts FROM otp_codes
		WHERE mobile = ? AND used_at IS NULL AND expires_at > ? ORDER BY created_at DESC, id DESC LIMIT 1`,
		mobile, now.UnixMilli()).Scan(&id, &stored.Salt, &stored.Hash, &attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return otp.ErrNoCode
	}
	if err != nil {
		return fmt.Errorf("sqlite: find code: %w", err)
	}
	result := otp.Verdict(stored, code, attempts)
	if errors.Is(result, otp.ErrLocked) && attempts >= otp.MaxAttempts {
		return result // nothing to record
	}
	if result == nil {
		_, err = tx.ExecContext(ctx, `UPDATE otp_codes SET used_at = ? WHERE id = ?`, now.UnixMilli(), id)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE otp_codes SET attempts = attempts + 1 WHERE id = ?`, id)
	}
	if err != nil {
		return fmt.Errorf("sqlite: record try: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return result
}
