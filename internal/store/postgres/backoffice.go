package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
)

func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

const accountColumns = `id, username, role, unit, password_hash, disabled, failed_logins, locked_until,
	password_changed_at, created_at, updated_at`

func scanAccount(row pgx.Row, extra ...any) (staff.Account, error) {
	var a staff.Account
	var locked *time.Time
	dest := append([]any{&a.ID, &a.Username, &a.Role, &a.Unit, &a.PasswordHash, &a.Disabled, &a.FailedLogins, &locked,
		&a.PasswordChangedAt, &a.CreatedAt, &a.UpdatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return staff.Account{}, err
	}
	a.LockedUntil = fromNull(locked)
	a.PasswordChangedAt, a.CreatedAt, a.UpdatedAt = a.PasswordChangedAt.UTC(), a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, nil
}

// CreateAccount implements store.BackOffice.
func (s *Store) CreateAccount(ctx context.Context, a staff.Account, entry audit.Entry) (staff.Account, error) {
	a.PasswordChangedAt, a.UpdatedAt = a.CreatedAt, a.CreatedAt
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO accounts (username, role, unit, password_hash, disabled,
				password_changed_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $6)
			ON CONFLICT (username) DO NOTHING RETURNING id`,
			a.Username, a.Role, a.Unit, a.PasswordHash, a.Disabled, a.CreatedAt).Scan(&a.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrUsernameTaken
		}
		if err != nil {
			return fmt.Errorf("postgres: create account: %w", err)
		}
		return insertAudit(ctx, tx, entry, a.CreatedAt, a.Username)
	})
	if err != nil {
		return staff.Account{}, err
	}
	return a, nil
}

// AccountByUsername implements store.BackOffice.
func (s *Store) AccountByUsername(ctx context.Context, username string) (staff.Account, error) {
	a, err := scanAccount(s.pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE username = $1`, username))
	if err != nil {
		return staff.Account{}, notFound(err, "account")
	}
	return a, nil
}

// AccountByID implements store.BackOffice.
func (s *Store) AccountByID(ctx context.Context, id int64) (staff.Account, error) {
	a, err := scanAccount(s.pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
	if err != nil {
		return staff.Account{}, notFound(err, "account")
	}
	return a, nil
}

// Accounts implements store.BackOffice.
func (s *Store) Accounts(ctx context.Context) ([]staff.Account, error) {
	return queryAll(ctx, s.pool, "accounts", `SELECT `+accountColumns+` FROM accounts ORDER BY username`,
		func(row pgx.Row) (staff.Account, error) { return scanAccount(row) })
}

func (s *Store) updateAccount(ctx context.Context, at time.Time, entry audit.Entry, query string, args ...any) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var username string
		if err := tx.QueryRow(ctx, query, args...).Scan(&username); err != nil {
			return notFound(err, "update account")
		}
		return insertAudit(ctx, tx, entry, at, username)
	})
}

// SetAccountDisabled implements store.BackOffice.
func (s *Store) SetAccountDisabled(ctx context.Context, id int64, disabled bool, at time.Time, entry audit.Entry) error {
	return s.updateAccount(ctx, at, entry, `UPDATE accounts SET disabled = $1, updated_at = $2 WHERE id = $3 RETURNING username`,
		disabled, at, id)
}

// SetPassword implements store.BackOffice.
func (s *Store) SetPassword(ctx context.Context, id int64, hash string, at time.Time, entry audit.Entry) error {
	return s.updateAccount(ctx, at, entry, `UPDATE accounts SET password_hash = $1, failed_logins = 0, locked_until = NULL,
			password_changed_at = $2, updated_at = $2 WHERE id = $3 RETURNING username`, hash, at, id)
}

// RecordLoginFailure implements store.BackOffice, counting and locking in one statement (the
// row lock orders concurrent ones) so that every wrong password is counted.
func (s *Store) RecordLoginFailure(ctx context.Context, id int64, at time.Time) (staff.Account, error) {
	a, err := scanAccount(s.pool.QueryRow(ctx, `UPDATE accounts SET
			locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END,
			failed_logins = CASE WHEN failed_logins + 1 >= $1 THEN 0 ELSE failed_logins + 1 END,
			updated_at = $3
		WHERE id = $4 RETURNING `+accountColumns,
		staff.MaxFailedLogins, at.Add(staff.LockFor), at, id))
	if err != nil {
		return staff.Account{}, notFound(err, "record login failure")
	}
	return a, nil
}

// RecordLoginSuccess implements store.BackOffice.
func (s *Store) RecordLoginSuccess(ctx context.Context, id int64, at time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE accounts SET failed_logins = 0, updated_at = $1 WHERE id = $2 AND failed_logins <> 0`, at, id)
	if err != nil {
		return fmt.Errorf("postgres: record login: %w", err)
	}
	return nil
}

// FindSession implements store.BackOffice.
func (s *Store) FindSession(ctx context.Context, token string, now time.Time) ([]byte, bool, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM sessions WHERE token = $1 AND expiry > $2`, token, now).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("postgres: find session: %w", err)
	}
	return data, true, nil
}

// CommitSession implements store.BackOffice.
func (s *Store) CommitSession(ctx context.Context, token string, data []byte, expiry time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`, token, data, expiry)
	if err != nil {
		return fmt.Errorf("postgres: commit session: %w", err)
	}
	return nil
}

// DeleteSession implements store.BackOffice.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, token); err != nil {
		return fmt.Errorf("postgres: delete session: %w", err)
	}
	return nil
}

// CreateToken implements store.BackOffice.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO api_tokens (hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		t.Hash, t.AccountID, t.CreatedAt, t.ExpiresAt)
	if err != nil {
		return fmt.Errorf("postgres: create token: %w", err)
	}
	return nil
}

// AccountByToken implements store.BackOffice.
func (s *Store) AccountByToken(ctx context.Context, hash string, now time.Time) (staff.Account, store.Token, error) {
	t := store.Token{Hash: hash}
	a, err := scanAccount(s.pool.QueryRow(ctx, `SELECT `+store.Qualified("a", accountColumns)+`, t.created_at, t.expires_at
		FROM api_tokens t JOIN accounts a ON a.id = t.account_id
		WHERE t.hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2`, hash, now), &t.CreatedAt, &t.ExpiresAt)
	if err != nil {
		return staff.Account{}, store.Token{}, notFound(err, "token")
	}
	t.AccountID, t.CreatedAt, t.ExpiresAt = a.ID, t.CreatedAt.UTC(), t.ExpiresAt.UTC()
	return a, t, nil
}

// RevokeToken implements store.BackOffice.
func (s *Store) RevokeToken(ctx context.Context, hash string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL`, at, hash)
	if err != nil {
		return fmt.Errorf("postgres: revoke token: %w", err)
	}
	return nil
}

// dialect is how PostgreSQL's SQL differs in the conditions store builds.
var dialect = store.Dialect{Param: store.Placeholder, Time: func(t time.Time) any { return t }, Like: "ILIKE"}

// DeskRequests implements store.BackOffice.
func (s *Store) DeskRequests(ctx context.Context, q store.DeskQuery) ([]request.Request, error) {
	w := store.DeskWhere(q, dialect, true)
	order := store.DeskOrder(q, w)
	return queryAll(ctx, s.pool, "desk requests", `SELECT `+requestColumns+` FROM requests`+w.SQL()+order+store.Limit(q.Limit),
		scanRequest, w.Args()...)
}

// DeskCounts implements store.BackOffice: one capped count per status, pipelined in one
// round trip.
func (s *Store) DeskCounts(ctx context.Context, q store.DeskQuery, cap int) (map[request.Status]int, error) {
	if cap <= 0 {
		cap = store.DefaultCountCap
	}
	batch := &pgx.Batch{}
	for _, st := range store.AllStatuses {
		w := store.DeskWhere(q, dialect, false)
		w.Add("status = " + w.Arg(string(st)))
		batch.Queue(fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM requests%s LIMIT %d) capped`, w.SQL(), cap+1), w.Args()...)
	}
	results := s.pool.SendBatch(ctx, batch)
	defer results.Close()
	out := map[request.Status]int{}
	for _, st := range store.AllStatuses {
		var n int
		if err := results.QueryRow().Scan(&n); err != nil {
			return nil, fmt.Errorf("postgres: desk counts: %w", err)
		}
		if n > 0 {
			out[st] = n
		}
	}
	return out, results.Close()
}

// ChangeStatus implements store.BackOffice.
func (s *Store) ChangeStatus(ctx context.Context, c store.StatusChange) (request.Request, error) {
	event, err := c.EncodedEvent()
	if err != nil {
		return request.Request{}, err
	}
	var r request.Request
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The status and version in the WHERE clause make the check and the change one step: a
		// change decided on a request someone else has since changed matches no row.
		var err error
		r, err = scanRequest(tx.QueryRow(ctx, `UPDATE requests SET status = $1,
				assigned_to = CASE WHEN $2 <> '' THEN $2 ELSE assigned_to END,
				history = history || $3::jsonb,
				updated_at = $4
			WHERE id = $5 AND status = $6 AND ($7::int = 0 OR jsonb_array_length(history) = $7) RETURNING `+requestColumns,
			c.Change.To, c.Change.AssignedTo, event, c.At, c.RequestID, c.From, c.Version))
		if errors.Is(err, pgx.ErrNoRows) {
			return refused(ctx, tx, "requests", c.RequestID, store.ErrChangedMeanwhile)
		}
		if err != nil {
			return fmt.Errorf("postgres: change status: %w", err)
		}
		if err := s.insertNotifications(ctx, tx, r.ID, c.At, c.Notifications); err != nil {
			return err
		}
		var tally dashboard.Tally
		tally.Closed(r, c.Change.To, c.At)
		if err := addTally(ctx, tx, &tally); err != nil {
			return err
		}
		return insertAudit(ctx, tx, c.Audit, c.At, string(r.Reference))
	})
	if err != nil {
		return request.Request{}, err
	}
	return r, nil
}

// insertAudit writes an audit entry in tx, completed with at and target; an empty one is
// not written.
func insertAudit(ctx context.Context, tx pgx.Tx, e audit.Entry, at time.Time, target string) error {
	if e.Empty() {
		return nil
	}
	e = e.Complete(at, target)
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (at, actor, role, unit, ip, action, target, details)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, e.At, e.Actor, e.Role, e.Unit, e.IP, e.Action, e.Target, e.Details)
	if err != nil {
		return fmt.Errorf("postgres: audit: %w", err)
	}
	return nil
}

// Audit implements store.BackOffice.
func (s *Store) Audit(ctx context.Context, e audit.Entry) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return insertAudit(ctx, tx, e, time.Now(), "") })
}

// AuditLog implements store.BackOffice.
func (s *Store) AuditLog(ctx context.Context, q audit.Query) ([]audit.Entry, error) {
	w := store.AuditWhere(q, dialect)
	query := `SELECT id, at, actor, role, unit, ip, action, target, details FROM audit_log` + w.SQL() + ` ORDER BY id DESC` + store.Limit(q.Limit)
	return queryAll(ctx, s.pool, "audit log", query, func(row pgx.Row) (audit.Entry, error) {
		var e audit.Entry
		err := row.Scan(&e.ID, &e.At, &e.Actor, &e.Role, &e.Unit, &e.IP, &e.Action, &e.Target, &e.Details)
		e.At = e.At.UTC()
		return e, err
	}, w.Args()...)
}
