package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
)

// A time is kept as Unix milliseconds; an absent one (not locked, not revoked) as NULL.

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func fromNull(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return fromMillis(ms.Int64)
}

// begin starts a write transaction on the single writer.
func (s *Store) begin(ctx context.Context) (*sql.Tx, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	return tx, nil
}

func commitTx(tx *sql.Tx) error {
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

const accountColumns = `id, username, role, unit, password_hash, disabled, failed_logins, locked_until,
	password_changed_at, created_at, updated_at`

// scanAccount reads accountColumns, then extra columns into extra.
func scanAccount(row scanner, extra ...any) (staff.Account, error) {
	var a staff.Account
	var locked sql.NullInt64
	var changed, created, updated int64
	err := row.Scan(append([]any{&a.ID, &a.Username, &a.Role, &a.Unit, &a.PasswordHash, &a.Disabled, &a.FailedLogins, &locked,
		&changed, &created, &updated}, extra...)...)
	a.LockedUntil, a.PasswordChangedAt = fromNull(locked), fromMillis(changed)
	a.CreatedAt, a.UpdatedAt = fromMillis(created), fromMillis(updated)
	return a, err
}

// CreateAccount implements store.BackOffice.
func (s *Store) CreateAccount(ctx context.Context, a staff.Account, entry audit.Entry) (staff.Account, error) {
	a.PasswordChangedAt, a.UpdatedAt = a.CreatedAt, a.CreatedAt
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO accounts (username, role, unit, password_hash, disabled,
				password_changed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (username) DO NOTHING RETURNING id`,
			a.Username, a.Role, a.Unit, a.PasswordHash, a.Disabled, a.CreatedAt.UnixMilli(), a.CreatedAt.UnixMilli(),
			a.CreatedAt.UnixMilli()).Scan(&a.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrUsernameTaken
		}
		if err != nil {
			return fmt.Errorf("sqlite: create account: %w", err)
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
	a, err := scanAccount(s.readers.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE username = ?`, username))
	if err != nil {
		return staff.Account{}, notFound(err, "account")
	}
	return a, nil
}

// AccountByID implements store.BackOffice.
func (s *Store) AccountByID(ctx context.Context, id int64) (staff.Account, error) {
	a, err := scanAccount(s.readers.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if err != nil {
		return staff.Account{}, notFound(err, "account")
	}
	return a, nil
}

// Accounts implements store.BackOffice.
func (s *Store) Accounts(ctx context.Context) ([]staff.Account, error) {
	return queryAll(ctx, s.readers, "accounts", `SELECT `+accountColumns+` FROM accounts ORDER BY username`,
		func(row scanner) (staff.Account, error) { return scanAccount(row) })
}

// updateAccount runs one UPDATE of an account and its audit entry in a transaction.
func (s *Store) updateAccount(ctx context.Context, at time.Time, entry audit.Entry, query string, args ...any) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var username string
		if err := tx.QueryRowContext(ctx, query, args...).Scan(&username); err != nil {
			return notFound(err, "update account")
		}
		return insertAudit(ctx, tx, entry, at, username)
	})
}

// SetAccountDisabled implements store.BackOffice.
func (s *Store) SetAccountDisabled(ctx context.Context, id int64, disabled bool, at time.Time, entry audit.Entry) error {
	return s.updateAccount(ctx, at, entry, `UPDATE accounts SET disabled = ?, updated_at = ? WHERE id = ? RETURNING username`,
		disabled, at.UnixMilli(), id)
}

// SetPassword implements store.BackOffice.
func (s *Store) SetPassword(ctx context.Context, id int64, hash string, at time.Time, entry audit.Entry) error {
	return s.updateAccount(ctx, at, entry, `UPDATE accounts SET password_hash = ?, failed_logins = 0, locked_until = NULL,
			password_changed_at = ?, updated_at = ? WHERE id = ? RETURNING username`,
		hash, at.UnixMilli(), at.UnixMilli(), id)
}

// RecordLoginFailure implements store.BackOffice, counting and locking in one statement so
// that concurrent wrong passwords are all counted.
func (s *Store) RecordLoginFailure(ctx context.Context, id int64, at time.Time) (staff.Account, error) {
	a, err := scanAccount(s.writer.QueryRowContext(ctx, `UPDATE accounts SET
			locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END,
			failed_logins = CASE WHEN failed_logins + 1 >= ? THEN 0 ELSE failed_logins + 1 END,
			updated_at = ?
		WHERE id = ? RETURNING `+accountColumns,
		staff.MaxFailedLogins, at.Add(staff.LockFor).UnixMilli(), staff.MaxFailedLogins, at.UnixMilli(), id))
	if err != nil {
		return staff.Account{}, notFound(err, "record login failure")
	}
	return a, nil
}

// RecordLoginSuccess implements store.BackOffice.
func (s *Store) RecordLoginSuccess(ctx context.Context, id int64, at time.Time) error {
	// Most logins follow no failure: skip the write (an fsync on the single writer) then.
	_, err := s.writer.ExecContext(ctx, `UPDATE accounts SET failed_logins = 0, updated_at = ?
		WHERE id = ? AND failed_logins <> 0`, at.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("sqlite: record login: %w", err)
	}
	return nil
}

// FindSession implements store.BackOffice.
func (s *Store) FindSession(ctx context.Context, token string, now time.Time) ([]byte, bool, error) {
	var data []byte
	err := s.readers.QueryRowContext(ctx, `SELECT data FROM sessions WHERE token = ? AND expiry > ?`, token, now.UnixMilli()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: find session: %w", err)
	}
	return data, true, nil
}

// CommitSession implements store.BackOffice.
func (s *Store) CommitSession(ctx context.Context, token string, data []byte, expiry time.Time) error {
	_, err := s.writer.ExecContext(ctx, `INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`, token, data, expiry.UnixMilli())
	if err != nil {
		return fmt.Errorf("sqlite: commit session: %w", err)
	}
	return nil
}

// DeleteSession implements store.BackOffice.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	if _, err := s.writer.ExecContext(ctx, `DELETE FROM sessions WHERE token = ?`, token); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	return nil
}

// CreateToken implements store.BackOffice.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	_, err := s.writer.ExecContext(ctx, `INSERT INTO api_tokens (hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		t.Hash, t.AccountID, t.CreatedAt.UnixMilli(), t.ExpiresAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("sqlite: create token: %w", err)
	}
	return nil
}

// AccountByToken implements store.BackOffice.
func (s *Store) AccountByToken(ctx context.Context, hash string, now time.Time) (staff.Account, store.Token, error) {
	var created, expires int64
	a, err := scanAccount(s.readers.QueryRowContext(ctx, `SELECT `+store.Qualified("a", accountColumns)+`, t.created_at, t.expires_at
		FROM api_tokens t JOIN accounts a ON a.id = t.account_id
		WHERE t.hash = ? AND t.revoked_at IS NULL AND t.expires_at > ?`, hash, now.UnixMilli()), &created, &expires)
	if err != nil {
		return staff.Account{}, store.Token{}, notFound(err, "token")
	}
	return a, store.Token{Hash: hash, AccountID: a.ID, CreatedAt: fromMillis(created), ExpiresAt: fromMillis(expires)}, nil
}

// RevokeToken implements store.BackOffice.
func (s *Store) RevokeToken(ctx context.Context, hash string, at time.Time) error {
	_, err := s.writer.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL`, at.UnixMilli(), hash)
	if err != nil {
		return fmt.Errorf("sqlite: revoke token: %w", err)
	}
	return nil
}

// dialect is how SQLite's SQL differs in the conditions store builds.
var dialect = store.Dialect{Param: store.Question, Time: func(t time.Time) any { return t.UnixMilli() }, Like: "LIKE",
	SteerBySearch: true}

// DeskRequests implements store.BackOffice.
func (s *Store) DeskRequests(ctx context.Context, q store.DeskQuery) ([]request.Request, error) {
	w := store.DeskWhere(q, dialect, true)
	order := store.DeskOrder(q, w)
	return queryAll(ctx, s.readers, "desk requests", `SELECT `+requestColumns+` FROM requests`+w.SQL()+order+store.Limit(q.Limit),
		scanRequest, w.Args()...)
}

// DeskCounts implements store.BackOffice: one capped count per status, each walking at
// most cap+1 entries of the unit's (unit, status, ...) index, in one statement.
func (s *Store) DeskCounts(ctx context.Context, q store.DeskQuery, cap int) (map[request.Status]int, error) {
	if cap <= 0 {
		cap = store.DefaultCountCap
	}
	// As in the conditions: a search by reference or mobile goes by its own index, not
	// status's.
	status := "status"
	if q.Reference != "" || q.Mobile != "" {
		status = "+status"
	}
	parts := make([]string, len(store.AllStatuses))
	var args []any
	for i, st := range store.AllStatuses {
		w := store.DeskWhere(q, dialect, false)
		w.Add(status + " = " + w.Arg(string(st)))
		parts[i] = fmt.Sprintf(`SELECT ?, (SELECT count(*) FROM (SELECT 1 FROM requests%s LIMIT %d))`, w.SQL(), cap+1)
		args = append(append(args, st), w.Args()...)
	}
	rows, err := s.readers.QueryContext(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: desk counts: %w", err)
	}
	defer rows.Close()
	out := map[request.Status]int{}
	for rows.Next() {
		var st request.Status
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("sqlite: desk counts: %w", err)
		}
		if n > 0 {
			out[st] = n
		}
	}
	return out, rows.Err()
}

// ChangeStatus implements store.BackOffice.
func (s *Store) ChangeStatus(ctx context.Context, c store.StatusChange) (request.Request, error) {
	event, err := c.EncodedEvent()
	if err != nil {
		return request.Request{}, err
	}
	var r request.Request
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// The status and version in the WHERE clause make the check and the change one step:
		// a change decided on a request someone else has since changed matches no row.
		var err error
		r, err = scanRequest(tx.QueryRowContext(ctx, `UPDATE requests SET status = ?,
				assigned_to = CASE WHEN ? <> '' THEN ? ELSE assigned_to END,
				history = json_insert(history, '$[#]', json_extract(?, '$[0]')),
				updated_at = ?
			WHERE id = ? AND status = ? AND (? = 0 OR json_array_length(history) = ?) RETURNING `+requestColumns,
			c.Change.To, c.Change.AssignedTo, c.Change.AssignedTo, event, c.At.UnixMilli(), c.RequestID, c.From, c.Version, c.Version))
		if errors.Is(err, sql.ErrNoRows) {
			return refused(ctx, tx, "requests", c.RequestID, store.ErrChangedMeanwhile)
		}
		if err != nil {
			return fmt.Errorf("sqlite: change status: %w", err)
		}
		ids, err := insertNotifications(ctx, tx, r.ID, c.At, c.Notifications)
		if err != nil {
			return err
		}
		if err := s.queue(ctx, tx, ids); err != nil {
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
func insertAudit(ctx context.Context, tx querier, e audit.Entry, at time.Time, target string) error {
	if e.Empty() {
		return nil
	}
	e = e.Complete(at, target)
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, role, unit, ip, action, target, details)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.At.UnixMilli(), e.Actor, e.Role, e.Unit, e.IP, e.Action, e.Target, e.Details)
	if err != nil {
		return fmt.Errorf("sqlite: audit: %w", err)
	}
	return nil
}

// Audit implements store.BackOffice.
func (s *Store) Audit(ctx context.Context, e audit.Entry) error {
	return insertAudit(ctx, s.writer, e, time.Now(), "")
}

// AuditLog implements store.BackOffice.
func (s *Store) AuditLog(ctx context.Context, q audit.Query) ([]audit.Entry, error) {
	w := store.AuditWhere(q, dialect)
	query := `SELECT id, at, actor, role, unit, ip, action, target, details FROM audit_log` + w.SQL() + ` ORDER BY id DESC` + store.Limit(q.Limit)
	return queryAll(ctx, s.readers, "audit log", query, func(row scanner) (audit.Entry, error) {
		var e audit.Entry
		var at int64
		err := row.Scan(&e.ID, &at, &e.Actor, &e.Role, &e.Unit, &e.IP, &e.Action, &e.Target, &e.Details)
		e.At = fromMillis(at)
		return e, err
	}, w.Args()...)
}
