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
	// folder adds new requests to the dashboard's counters after the fact (fold.go).
	folder *store.Folder
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
	s.folder = store.NewFolder(s.Fold, func(err error) { slog.Error("sqlite: dashboard: fold failed; the next one retries", "err", err) })
	return s, nil
}

// Migrate applies every pending migration.
func (s *Store) Migrate(ctx context.Context, log *slog.Logger) error {
	return migrate(ctx, s.writer, log)
}

func migrate(ctx context.Context, db *sql.DB, log *slog.Logger) error {
	provider, err := migrations(db)
	if err != nil {
		return err
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

// migrations is the goose provider of this backend's migrations on db.
func migrations(db *sql.DB) (*goose.Provider, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	files, err := store.Migrations(sub)
	if err != nil {
		return nil, err
	}
	provider, err := goose.NewProvider(goose.DialectSQLite3, db, files)
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	return provider, nil
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
	s.folder.Close()
	return errors.Join(s.readers.Close(), s.writer.Close())
}

// querier is what both a pool and a transaction offer, so reads work in and out of one.
// Statements are cached by the connections themselves (stmtcache.go).
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Services implements store.Store.
func (s *Store) Services(ctx context.Context) ([]request.Service, error) {
	return queryAll(ctx, s.readers, "services", store.QueryServices, func(row scanner) (request.Service, error) { return store.ScanService(row) })
}

// SetServiceActive implements store.Store.
func (s *Store) SetServiceActive(ctx context.Context, code string, active bool) error {
	return s.updateService(ctx, code, "active", active)
}

// SetServiceTarget implements store.Store.
func (s *Store) SetServiceTarget(ctx context.Context, code string, hours int) error {
	return s.updateService(ctx, code, "target_hours", hours)
}

// updateService sets one column of a service; ErrNotFound for an unknown code.
func (s *Store) updateService(ctx context.Context, code, column string, value any) error {
	res, err := s.writer.ExecContext(ctx, `UPDATE services SET `+column+` = ? WHERE code = ?`, value, code)
	if err != nil {
		return fmt.Errorf("sqlite: set service %s: %w", column, err)
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
		// A key seen before answers as it did the first time (or refuses other content).
		if res, err := replay(ctx, tx, sub.IdempotencyKey, sub.Fingerprint); !errors.Is(err, store.ErrNotFound) {
			return res, nil, err
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

const requestColumns = store.RequestColumns

// The statements a submission runs inside its transaction.
const (
	queryOpenDuplicate = `SELECT id FROM requests
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
	last_error, created_at, updated_at, sent_at, request_status`

func scanNotification(row scanner) (store.Notification, error) {
	var n store.Notification
	var created, updated int64
	var sent sql.NullInt64
	if err := row.Scan(&n.ID, &n.RequestID, &n.Channel, &n.Kind, &n.Recipient, &n.Language, &n.Secret, &n.Status, &n.Attempts,
		&n.LastError, &created, &updated, &sent, &n.RequestStatus); err != nil {
		return store.Notification{}, err
	}
	n.CreatedAt, n.UpdatedAt, n.SentAt = fromMillis(created), fromMillis(updated), fromNull(sent)
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

// queryAll runs query (on the readers, or in a transaction) and scans every row it returns.
func queryAll[T any](ctx context.Context, db querier, what, query string, scan func(scanner) (T, error), args ...any) ([]T, error) {
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
	return s.inTx(ctx, func(tx *sql.Tx) error { return recordAttempts(ctx, tx, attempts) })
}

func recordAttempts(ctx context.Context, tx *sql.Tx, attempts []store.Attempt) error {
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
	return nil
}

// RetryNotification implements store.Store.
func (s *Store) RetryNotification(ctx context.Context, id int64, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET status = 'queued', updated_at = ?
			WHERE id = ? AND status = 'failed' AND kind <> 'otp'`, at.UnixMilli(), id)
		if err != nil {
			return fmt.Errorf("sqlite: retry notification: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return refused(ctx, tx, "notifications", id, store.ErrNotRetryable)
		}
		return s.queue(ctx, tx, []int64{id})
	})
}

// refused says why a conditional change of table's row id matched no row (store.Refused).
func refused(ctx context.Context, tx *sql.Tx, table string, id int64, conflict error) error {
	var exists bool
	if err := tx.QueryRowContext(ctx, store.QueryExists(table, "?"), id).Scan(&exists); err != nil {
		return fmt.Errorf("sqlite: find %s: %w", table, err)
	}
	return store.Refused(exists, conflict)
}

// Replay implements store.Store.
func (s *Store) Replay(ctx context.Context, key, fingerprint string) (store.SubmitResult, error) {
	return replay(ctx, s.readers, key, fingerprint)
}

// replay answers a submission whose key was seen before (store.SeenKey.Answer); ErrNotFound
// for a key not seen.
func replay(ctx context.Context, q querier, key, fingerprint string) (store.SubmitResult, error) {
	var k store.SeenKey
	if err := q.QueryRowContext(ctx, queryIdempotencyKey, key).Scan(&k.Fingerprint, &k.RequestID, &k.Duplicate); err != nil {
		return store.SubmitResult{}, notFound(err, "idempotency key")
	}
	res, err := k.Answer(fingerprint)
	if err != nil {
		return res, err
	}
	res.Request, err = requestByID(ctx, q, k.RequestID)
	return res, err
}

var queryIdempotencyKey = store.QuerySeenKey("?")

// RequestByID implements store.Store.
func (s *Store) RequestByID(ctx context.Context, id int64) (request.Request, error) {
	return requestByID(ctx, s.readers, id)
}

type scanner interface{ Scan(dest ...any) error }

func scanRequest(row scanner) (request.Request, error) { return store.ScanRequest(row, fromMillis) }

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

func scanPublic(row scanner) (request.Request, error) { return store.ScanPublic(row, fromMillis) }

// PublicRequestByReference implements store.Store.
func (s *Store) PublicRequestByReference(ctx context.Context, ref request.Reference) (request.Request, error) {
	r, err := scanPublic(s.readers.QueryRowContext(ctx, `SELECT `+store.PublicColumns+` FROM requests WHERE reference = ?`, string(ref)))
	if err != nil {
		return request.Request{}, notFound(err, "request by reference")
	}
	return r, nil
}

// PublicRequestsByMobile implements store.Store.
func (s *Store) PublicRequestsByMobile(ctx context.Context, mobile string, limit int) ([]request.Request, error) {
	return queryAll(ctx, s.readers, "requests by mobile", `SELECT `+store.PublicColumns+` FROM requests
		WHERE mobile = ? ORDER BY created_at DESC, id DESC LIMIT ?`, scanPublic, mobile, limit)
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}

// DeleteExpired implements store.Store, in one transaction.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (store.Deleted, error) {
	var d store.Deleted
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, e := range store.Expiries(now, dialect) {
			res, err := tx.ExecContext(ctx, e.SQL, e.Args...)
			if err != nil {
				return fmt.Errorf("sqlite: delete expired: %w", err)
			}
			n, _ := res.RowsAffected()
			*e.Count(&d) = int(n)
		}
		return nil
	})
	return d, err
}

// CreateOTP implements store.Store: the flow is store.IssueCode's, in one transaction (the
// writer's lock makes the count and the insert one step).
func (s *Store) CreateOTP(ctx context.Context, code store.NewOTP) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return store.IssueCode(ctx, codeTx{s, tx}, code) })
}

// UseOTP implements store.Store: the flow is store.CheckCode's, in one transaction.
func (s *Store) UseOTP(ctx context.Context, mobile, code string, now time.Time) error {
	var verdict error
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		verdict, err = store.CheckCode(ctx, codeTx{s, tx}, mobile, code, now)
		return err
	})
	if err != nil {
		return err
	}
	return verdict
}

// inTx runs f in a write transaction and commits it if f returns nil.
func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := f(tx); err != nil {
		return err
	}
	return commitTx(tx)
}

// codeTx is the one-time-code flow's transaction (store.CodeTx).
type codeTx struct {
	s  *Store
	tx *sql.Tx
}

func (c codeTx) CodesSince(ctx context.Context, mobile string, since time.Time) (int, error) {
	var n int
	if err := c.tx.QueryRowContext(ctx, `SELECT count(*) FROM otp_codes WHERE mobile = ? AND created_at > ?`,
		mobile, since.UnixMilli()).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count codes: %w", err)
	}
	return n, nil
}

func (c codeTx) InsertCode(ctx context.Context, code store.NewOTP) error {
	if _, err := c.tx.ExecContext(ctx, `INSERT INTO otp_codes (mobile, salt, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		code.Mobile, code.Code.Salt, code.Code.Hash, code.CreatedAt.UnixMilli(), code.ExpiresAt.UnixMilli()); err != nil {
		return fmt.Errorf("sqlite: insert code: %w", err)
	}
	if code.Notification == nil {
		return nil
	}
	ids, err := insertNotifications(ctx, c.tx, 0, code.CreatedAt, []store.NewNotification{*code.Notification})
	if err != nil {
		return err
	}
	return c.s.queue(ctx, c.tx, ids)
}

func (c codeTx) NewestCode(ctx context.Context, mobile string) (store.StoredCode, bool, error) {
	var sc store.StoredCode
	var expires int64
	err := c.tx.QueryRowContext(ctx, `SELECT id, salt, hash, attempts, expires_at FROM otp_codes
		WHERE mobile = ? AND used_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1`,
		mobile).Scan(&sc.ID, &sc.Code.Salt, &sc.Code.Hash, &sc.Attempts, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return sc, false, nil
	}
	if err != nil {
		return sc, false, fmt.Errorf("sqlite: find code: %w", err)
	}
	sc.ExpiresAt = time.UnixMilli(expires).UTC()
	return sc, true, nil
}

func (c codeTx) MarkUsed(ctx context.Context, id int64, at time.Time) error {
	if _, err := c.tx.ExecContext(ctx, `UPDATE otp_codes SET used_at = ? WHERE id = ?`, at.UnixMilli(), id); err != nil {
		return fmt.Errorf("sqlite: use code: %w", err)
	}
	return nil
}

func (c codeTx) CountTry(ctx context.Context, id int64) error {
	if _, err := c.tx.ExecContext(ctx, `UPDATE otp_codes SET attempts = attempts + 1 WHERE id = ?`, id); err != nil {
		return fmt.Errorf("sqlite: count try: %w", err)
	}
	return nil
}
