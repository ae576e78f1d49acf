// Package postgres is the national-scale backend: PostgreSQL through pgx, for several
// stateless Doorstep instances sharing one database.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/crc64"
	"io/fs"
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/groupcommit"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	pool *pgxpool.Pool
	// enqueue hands new notifications to the job queue inside the transaction that saves
	// them; nil until SetEnqueuer (then nothing is queued).
	enqueue Enqueuer
	// submissions waiting to be written together (group commit, submit.go).
	submissions *groupcommit.Queue[store.Submission, store.SubmitResult]
	// folder adds new requests to the dashboard's counters after the fact (dashboard.go).
	folder *store.Folder
	log    *slog.Logger
}

// SetLogger sets where the store reports what it recovered from (a group of submissions
// that failed and was written again one at a time); by default, nowhere.
func (s *Store) SetLogger(log *slog.Logger) { s.log = log }

// Enqueuer queues the sending of notifications inside tx, so that the jobs exist if and only
// if tx commits.
type Enqueuer func(ctx context.Context, tx pgx.Tx, notificationIDs []int64) error

// SetEnqueuer sets the job queue's hook. Call it before serving.
func (s *Store) SetEnqueuer(e Enqueuer) { s.enqueue = e }

// Enqueuer is the job queue's hook, nil if none is set.
func (s *Store) Enqueuer() Enqueuer { return s.enqueue }

// Pool is the connection pool; the job queue shares it.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (postgres://...; pgx's parameters such as
// pool_max_conns and search_path may be given in it). It does not migrate; call Migrate.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	s := &Store{pool: pool, log: slog.New(slog.DiscardHandler)}
	s.submissions = s.newSubmissionQueue()
	s.folder = store.NewFolder(s.Fold, func(err error) { s.log.Error("postgres: dashboard: fold failed; the next one retries", "err", err) })
	return s, nil
}

// Migrate applies every pending migration. Instances starting together take turns: goose
// holds a PostgreSQL advisory lock while it migrates.
func (s *Store) Migrate(ctx context.Context, log *slog.Logger) error {
	provider, done, err := s.migrations(ctx)
	if err != nil {
		return err
	}
	defer done()
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	for _, r := range results {
		log.Info("applied migration", "version", r.Source.Version, "file", filepath.Base(r.Source.Path), "duration", r.Duration)
	}
	return nil
}

// migrations is the schema's migrations over the pool; done releases what it holds.
func (s *Store) migrations(ctx context.Context) (provider *goose.Provider, done func(), err error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, nil, err
	}
	files, err := store.Migrations(sub)
	if err != nil {
		return nil, nil, err
	}
	lockID, err := s.migrationLockID(ctx)
	if err != nil {
		return nil, nil, err
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID))
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	db := stdlib.OpenDBFromPool(s.pool)
	provider, err = goose.NewProvider(goose.DialectPostgres, db, files, goose.WithSessionLocker(locker))
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	return provider, func() { db.Close() }, nil
}

// migrationLockID is the advisory lock instances migrating the same schema take turns on:
// goose's own for the public schema (what every earlier version took), one of its own for
// any other, so that databases in schemas side by side (tests, several systems on one
// server) do not wait for each other; goose retries a held lock only every 5 seconds.
func (s *Store) migrationLockID(ctx context.Context) (int64, error) {
	var schema string
	if err := s.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return 0, fmt.Errorf("postgres: current schema: %w", err)
	}
	if schema == "public" {
		return lock.DefaultLockID, nil
	}
	return lock.DefaultLockID ^ int64(crc64.Checksum([]byte(schema), crc64.MakeTable(crc64.ECMA))>>1), nil
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.pool.QueryRow(ctx, "SELECT 1").Scan(&one)
}

// Close closes the pool's connections.
func (s *Store) Close() error {
	s.folder.Close()
	s.pool.Close()
	return nil
}

// Services implements store.Store.
func (s *Store) Services(ctx context.Context) ([]request.Service, error) {
	return queryAll(ctx, s.pool, "services", store.QueryServices, func(row pgx.Row) (request.Service, error) { return store.ScanService(row) })
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
	tag, err := s.pool.Exec(ctx, `UPDATE services SET `+column+` = $1 WHERE code = $2`, value, code)
	if err != nil {
		return fmt.Errorf("postgres: set service %s: %w", column, err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

func commit(ctx context.Context, tx pgx.Tx) error {
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// openStatuses are request.OpenStatuses as the text a query takes, made once: the duplicate
// check of every submission passes them.
var openStatuses = func() []string {
	out := make([]string, len(request.OpenStatuses))
	for i, s := range request.OpenStatuses {
		out[i] = string(s)
	}
	return out
}()

// querier is what both a connection and the pool offer.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

const requestColumns = store.RequestColumns

const queryRequestByID = `SELECT ` + requestColumns + ` FROM requests WHERE id = $1`

func scanRequest(row pgx.Row) (request.Request, error) { return store.ScanRequest(row, utc) }

func utc(t time.Time) time.Time { return t.UTC() }

func requestByID(ctx context.Context, q querier, id int64) (request.Request, error) {
	r, err := scanRequest(q.QueryRow(ctx, queryRequestByID, id))
	if err != nil {
		return request.Request{}, notFound(err, "request by id")
	}
	return r, nil
}

// RequestByReference implements store.Store: one row, with its history.
func (s *Store) RequestByReference(ctx context.Context, ref request.Reference) (request.Request, error) {
	r, err := scanRequest(s.pool.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE reference = $1`, string(ref)))
	if err != nil {
		return request.Request{}, notFound(err, "request by reference")
	}
	return r, nil
}

func scanPublic(row pgx.Row) (request.Request, error) { return store.ScanPublic(row, utc) }

// PublicRequestByReference implements store.Store.
func (s *Store) PublicRequestByReference(ctx context.Context, ref request.Reference) (request.Request, error) {
	r, err := scanPublic(s.pool.QueryRow(ctx, `SELECT `+store.PublicColumns+` FROM requests WHERE reference = $1`, string(ref)))
	if err != nil {
		return request.Request{}, notFound(err, "request by reference")
	}
	return r, nil
}

// PublicRequestsByMobile implements store.Store.
func (s *Store) PublicRequestsByMobile(ctx context.Context, mobile string, limit int) ([]request.Request, error) {
	return queryAll(ctx, s.pool, "requests by mobile", `SELECT `+store.PublicColumns+` FROM requests
		WHERE mobile = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, scanPublic, mobile, limit)
}

// RequestsByIDs implements store.Store.
func (s *Store) RequestsByIDs(ctx context.Context, ids []int64) ([]request.Request, error) {
	return byIDs(ctx, s.pool, "requests by id", queryRequestByID, ids, scanRequest)
}

// queryAll runs query on the pool and scans every row it returns.
func queryAll[T any](ctx context.Context, pool queryer, what, query string, scan func(pgx.Row) (T, error), args ...any) ([]T, error) {
	rows, err := pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, err)
	}
	return out, nil
}

func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	return fmt.Errorf("postgres: %s: %w", what, err)
}

const notificationColumns = `id, COALESCE(request_id, 0), channel, kind, recipient, language, secret, status, attempts,
	last_error, created_at, updated_at, sent_at, request_status`

const queryNotificationByID = `SELECT ` + notificationColumns + ` FROM notifications WHERE id = $1`

func scanNotification(row pgx.Row) (store.Notification, error) {
	var n store.Notification
	var sent *time.Time
	if err := row.Scan(&n.ID, &n.RequestID, &n.Channel, &n.Kind, &n.Recipient, &n.Language, &n.Secret, &n.Status, &n.Attempts,
		&n.LastError, &n.CreatedAt, &n.UpdatedAt, &sent, &n.RequestStatus); err != nil {
		return store.Notification{}, err
	}
	n.CreatedAt, n.UpdatedAt = n.CreatedAt.UTC(), n.UpdatedAt.UTC()
	if sent != nil {
		n.SentAt = sent.UTC()
	}
	return n, nil
}

// Notification implements store.Store.
func (s *Store) Notification(ctx context.Context, id int64) (store.Notification, error) {
	n, err := scanNotification(s.pool.QueryRow(ctx, queryNotificationByID, id))
	if err != nil {
		return store.Notification{}, notFound(err, "notification")
	}
	return n, nil
}

// NotificationsForRequest implements store.Store.
func (s *Store) NotificationsForRequest(ctx context.Context, requestID int64) ([]store.Notification, error) {
	return queryAll(ctx, s.pool, "notifications", `SELECT `+notificationColumns+` FROM notifications
		WHERE request_id = $1 ORDER BY id`, scanNotification, requestID)
}

// Notifications implements store.Store.
func (s *Store) Notifications(ctx context.Context, ids []int64) ([]store.Notification, error) {
	return byIDs(ctx, s.pool, "notifications", queryNotificationByID, ids, scanNotification)
}

// byIDs reads the rows with these ids that exist, by id, with one primary-key lookup each,
// all in one round trip. (A prepared "id = ANY($1)" can keep a plan made while its table was
// small: a sequential scan that, with statistics not yet gathered, read every row of the
// table for every job. A primary-key lookup is an index scan whatever the table's size.)
func byIDs[T any](ctx context.Context, pool *pgxpool.Pool, what, query string, ids []int64, scan func(pgx.Row) (T, error)) ([]T, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	batch := &pgx.Batch{}
	var out []T
	for _, id := range ids {
		batch.Queue(query, id).QueryRow(func(row pgx.Row) error {
			v, err := scan(row)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				return nil // gone
			case err != nil:
				return err
			}
			out = append(out, v)
			return nil
		})
	}
	if err := pool.SendBatch(ctx, batch).Close(); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, err)
	}
	return out, nil
}

// RecordAttempts implements store.Store: one pipelined transaction. A message that is sent
// forgets its secret (a one-time code), and so does one given up.
func (s *Store) RecordAttempts(ctx context.Context, attempts []store.Attempt) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		batch := &pgx.Batch{}
		for _, a := range attempts {
			status := a.Status()
			batch.Queue(`UPDATE notifications SET status = $1, attempts = $2, last_error = $3, updated_at = $4,
				sent_at = CASE WHEN $1 = 'sent' THEN $4 ELSE sent_at END,
				secret = CASE WHEN $1 = 'retrying' THEN secret ELSE '' END
				WHERE id = $5`,
				status, a.Number, a.Err, a.At, a.NotificationID).Exec(func(tag pgconn.CommandTag) error {
				if tag.RowsAffected() == 0 {
					return store.ErrNotFound
				}
				return nil
			})
		}
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return err
			}
			return fmt.Errorf("postgres: record attempts: %w", err)
		}
		return nil
	})
}

// RetryNotification implements store.Store.
func (s *Store) RetryNotification(ctx context.Context, id int64, at time.Time) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE notifications SET status = 'queued', updated_at = $1
			WHERE id = $2 AND status = 'failed' AND kind <> 'otp'`, at, id)
		if err != nil {
			return fmt.Errorf("postgres: retry notification: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return refused(ctx, tx, "notifications", id, store.ErrNotRetryable)
		}
		if s.enqueue != nil {
			if err := s.enqueue(ctx, tx, []int64{id}); err != nil {
				return fmt.Errorf("postgres: queue notification: %w", err)
			}
		}
		return nil
	})
}

// refused says why a conditional change of table's row id matched no row (store.Refused).
func refused(ctx context.Context, tx pgx.Tx, table string, id int64, conflict error) error {
	var exists bool
	if err := tx.QueryRow(ctx, store.QueryExists(table, "$1"), id).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: find %s: %w", table, err)
	}
	return store.Refused(exists, conflict)
}

// Replay implements store.Store.
func (s *Store) Replay(ctx context.Context, key, fingerprint string) (store.SubmitResult, error) {
	var k store.SeenKey
	if err := s.pool.QueryRow(ctx, store.QuerySeenKey("$1"), key).Scan(&k.Fingerprint, &k.RequestID, &k.Duplicate); err != nil {
		return store.SubmitResult{}, notFound(err, "idempotency key")
	}
	res, err := k.Answer(fingerprint)
	if err != nil {
		return res, err
	}
	res.Request, err = requestByID(ctx, s.pool, k.RequestID)
	return res, err
}

// RequestByID implements store.Store.
func (s *Store) RequestByID(ctx context.Context, id int64) (request.Request, error) {
	return requestByID(ctx, s.pool, id)
}

// DeleteExpired implements store.Store, in one transaction.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (store.Deleted, error) {
	var d store.Deleted
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, e := range store.Expiries(now, dialect) {
			tag, err := tx.Exec(ctx, e.SQL, e.Args...)
			if err != nil {
				return fmt.Errorf("postgres: delete expired: %w", err)
			}
			*e.Count(&d) = int(tag.RowsAffected())
		}
		return nil
	})
	return d, err
}

// CreateOTP implements store.Store: the flow is store.IssueCode's, in one transaction; the
// mobile's advisory lock makes the count and the insert one step across instances.
func (s *Store) CreateOTP(ctx context.Context, code store.NewOTP) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('otp:' || $1, 0))`, code.Mobile); err != nil {
			return fmt.Errorf("postgres: lock mobile: %w", err)
		}
		return store.IssueCode(ctx, codeTx{s, tx}, code)
	})
}

// UseOTP implements store.Store: the flow is store.CheckCode's, in one transaction.
func (s *Store) UseOTP(ctx context.Context, mobile, code string, now time.Time) error {
	var verdict error
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		verdict, err = store.CheckCode(ctx, codeTx{s, tx}, mobile, code, now)
		return err
	})
	if err != nil {
		return err
	}
	return verdict
}

// codeTx is the one-time-code flow's transaction (store.CodeTx).
type codeTx struct {
	s  *Store
	tx pgx.Tx
}

func (c codeTx) CodesSince(ctx context.Context, mobile string, since time.Time) (int, error) {
	var n int
	if err := c.tx.QueryRow(ctx, `SELECT count(*) FROM otp_codes WHERE mobile = $1 AND created_at > $2`, mobile, since).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count codes: %w", err)
	}
	return n, nil
}

func (c codeTx) InsertCode(ctx context.Context, code store.NewOTP) error {
	if _, err := c.tx.Exec(ctx, `INSERT INTO otp_codes (mobile, salt, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		code.Mobile, code.Code.Salt, code.Code.Hash, code.CreatedAt, code.ExpiresAt); err != nil {
		return fmt.Errorf("postgres: insert code: %w", err)
	}
	if n := code.Notification; n != nil {
		return c.s.insertNotifications(ctx, c.tx, 0, code.CreatedAt, []store.NewNotification{*n})
	}
	return nil
}

func (c codeTx) NewestCode(ctx context.Context, mobile string) (store.StoredCode, bool, error) {
	var sc store.StoredCode
	err := c.tx.QueryRow(ctx, `SELECT id, salt, hash, attempts, expires_at FROM otp_codes
		WHERE mobile = $1 AND used_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1
		FOR UPDATE`, mobile).Scan(&sc.ID, &sc.Code.Salt, &sc.Code.Hash, &sc.Attempts, &sc.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return sc, false, nil
	}
	if err != nil {
		return sc, false, fmt.Errorf("postgres: find code: %w", err)
	}
	return sc, true, nil
}

func (c codeTx) MarkUsed(ctx context.Context, id int64, at time.Time) error {
	if _, err := c.tx.Exec(ctx, `UPDATE otp_codes SET used_at = $1 WHERE id = $2`, at, id); err != nil {
		return fmt.Errorf("postgres: use code: %w", err)
	}
	return nil
}

func (c codeTx) CountTry(ctx context.Context, id int64) error {
	if _, err := c.tx.Exec(ctx, `UPDATE otp_codes SET attempts = attempts + 1 WHERE id = $1`, id); err != nil {
		return fmt.Errorf("postgres: count try: %w", err)
	}
	return nil
}

// insertNotifications saves the notifications of a change (of no request: requestID 0) and
// queues their job, in tx. A new request's own go in its insert statement instead.
func (s *Store) insertNotifications(ctx context.Context, tx pgx.Tx, requestID int64, at time.Time, notes []store.NewNotification) error {
	if len(notes) == 0 {
		return nil
	}
	ids := make([]int64, len(notes))
	for i, n := range notes {
		if err := tx.QueryRow(ctx, `INSERT INTO notifications (request_id, channel, kind, recipient, language, secret,
				request_status, status, created_at, updated_at) VALUES (NULLIF($1, 0), $2, $3, $4, $5, $6, $7, 'queued', $8, $8) RETURNING id`,
			requestID, n.Channel, n.Kind, n.Recipient, n.Language, n.Secret, n.RequestStatus, at).Scan(&ids[i]); err != nil {
			return fmt.Errorf("postgres: insert notification: %w", err)
		}
	}
	if s.enqueue == nil {
		return nil
	}
	if err := s.enqueue(ctx, tx, ids); err != nil {
		return fmt.Errorf("postgres: queue notifications: %w", err)
	}
	return nil
}
