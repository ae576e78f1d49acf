package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
)

func timeOrZero(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
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
	var locked, changed, created, updated int64
	err := row.Scan(append([]any{&a.ID, &a.Username, &a.Role, &a.Unit, &a.PasswordHash, &a.Disabled, &a.FailedLogins, &locked,
		&changed, &created, &updated}, extra...)...)
	a.LockedUntil, a.PasswordChangedAt = timeOrZero(locked), timeOrZero(changed)
	a.CreatedAt, a.UpdatedAt = timeOrZero(created), timeOrZero(updated)
	return a, err
}

// CreateAccount implements store.BackOffice.
func (s *Store) CreateAccount(ctx context.Context, a staff.Account, entry audit.Entry) (staff.Account, error) {
	tx, err := s.begin(ctx)
	if err != nil {
		return staff.Account{}, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	a.PasswordChangedAt, a.UpdatedAt = a.CreatedAt, a.CreatedAt
	err = tx.QueryRowContext(ctx, `INSERT INTO accounts (username, role, unit, password_hash, disabled,
			password_changed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (username) DO NOTHING RETURNING id`,
		a.Username, a.Role, a.Unit, a.PasswordHash, a.Disabled, a.CreatedAt.UnixMilli(), a.CreatedAt.UnixMilli(),
		a.CreatedAt.UnixMilli()).Scan(&a.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return staff.Account{}, store.ErrUsernameTaken
	}
	if err != nil {
		return staff.Account{}, fmt.Errorf("sqlite: create account: %w", err)
	}
	if err := insertAudit(ctx, tx, entry, a.CreatedAt, a.Username); err != nil {
		return staff.Account{}, err
	}
	return a, commitTx(tx)
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
func (s *Store) updateAccount(ctx context.Context, id int64, at time.Time, entry audit.Entry, query string, args ...any) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var username string
	if err := tx.QueryRowContext(ctx, query, args...).Scan(&username); err != nil {
		return notFound(err, "update account")
	}
	if err := insertAudit(ctx, tx, entry, at, username); err != nil {
		return err
	}
	return commitTx(tx)
}

// SetAccountDisabled implements store.BackOffice.
func (s *Store) SetAccountDisabled(ctx context.Context, id int64, disabled bool, at time.Time, entry audit.Entry) error {
	return s.updateAccount(ctx, id, at, entry, `UPDATE accounts SET disabled = ?, updated_at = ? WHERE id = ? RETURNING username`,
		disabled, at.UnixMilli(), id)
}

// SetPassword implements store.BackOffice.
func (s *Store) SetPassword(ctx context.Context, id int64, hash string, at time.Time, entry audit.Entry) error {
	return s.updateAccount(ctx, id, at, entry, `UPDATE accounts SET password_hash = ?, failed_logins = 0, locked_until = 0,
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

// DeleteExpiredSessions implements store.BackOffice.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	res, err := s.writer.ExecContext(ctx, `DELETE FROM sessions WHERE expiry <= ?`, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
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
		WHERE t.hash = ? AND t.revoked_at = 0 AND t.expires_at > ?`, hash, now.UnixMilli()), &created, &expires)
	if err != nil {
		return staff.Account{}, store.Token{}, notFound(err, "token")
	}
	return a, store.Token{Hash: hash, AccountID: a.ID, CreatedAt: timeOrZero(created), ExpiresAt: timeOrZero(expires)}, nil
}

// RevokeToken implements store.BackOffice.
func (s *Store) RevokeToken(ctx context.Context, hash string, at time.Time) error {
	_, err := s.writer.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE hash = ? AND revoked_at = 0`, at.UnixMilli(), hash)
	if err != nil {
		return fmt.Errorf("sqlite: revoke token: %w", err)
	}
	return nil
}

// deskWhere builds the WHERE clause of a desk query; withStatuses false leaves out the status
// filter (for counts by status).
func deskWhere(q store.DeskQuery, withStatuses bool) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) { conds = append(conds, cond); args = append(args, a...) }
	// A search by reference or mobile finds a handful of rows through its own index; the
	// unary + keeps SQLite from walking the unit's index instead (it has no statistics to
	// tell which is selective, and the unit's index also gives the order).
	unit := ""
	if q.Reference != "" || q.Mobile != "" {
		unit = "+"
	}
	if q.Division != "" {
		add(unit+"division = ?", q.Division)
	}
	if q.Region != "" {
		add(unit+"region = ?", q.Region)
	}
	if q.Circle != "" {
		add(unit+"circle = ?", q.Circle)
	}
	if withStatuses && len(q.Statuses) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(q.Statuses)), ", ")
		for _, st := range q.Statuses {
			args = append(args, st)
		}
		conds = append(conds, "status IN ("+marks+")")
	}
	if q.Service != "" {
		add("service_code = ?", q.Service)
	}
	if q.Pincode != "" {
		add("pincode = ?", q.Pincode)
	}
	if q.AssignedTo != "" {
		add("assigned_to = ?", q.AssignedTo)
	}
	if !q.CreatedFrom.IsZero() {
		add("created_at >= ?", q.CreatedFrom.UnixMilli())
	}
	if !q.CreatedBefore.IsZero() {
		add("created_at < ?", q.CreatedBefore.UnixMilli())
	}
	if q.Reference != "" {
		add("reference = ?", q.Reference)
	}
	if q.Mobile != "" {
		add("mobile = ?", q.Mobile)
	}
	if q.NameContains != "" {
		// LIKE folds ASCII case natively, faster than lower() on every row; scripts such as
		// Devanagari have no case to fold.
		add(`name LIKE ? ESCAPE '\'`, store.ContainsPattern(q.NameContains))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// DeskRequests implements store.BackOffice.
func (s *Store) DeskRequests(ctx context.Context, q store.DeskQuery) ([]request.Request, error) {
	where, args := deskWhere(q, true)
	order, cmp := "ASC", ">"
	if q.NewestFirst {
		order, cmp = "DESC", "<"
	}
	if q.After != nil {
		cond := fmt.Sprintf("(created_at, id) %s (?, ?)", cmp)
		if where == "" {
			where = " WHERE " + cond
		} else {
			where += " AND " + cond
		}
		args = append(args, q.After.CreatedAt.UnixMilli(), q.After.ID)
	}
	query := `SELECT ` + requestColumns + ` FROM requests` + where + ` ORDER BY created_at ` + order + `, id ` + order
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	return queryAll(ctx, s.readers, "desk requests", query, scanRequest, args...)
}

// DeskCounts implements store.BackOffice: one capped count per status, each walking at
// most cap+1 entries of the unit's (unit, status, ...) index.
func (s *Store) DeskCounts(ctx context.Context, q store.DeskQuery, cap int) (map[request.Status]int, error) {
	if cap <= 0 {
		cap = store.DefaultCountCap
	}
	where, args := deskWhere(q, false)
	if where == "" {
		where = " WHERE "
	} else {
		where += " AND "
	}
	// As in deskWhere: a search by reference or mobile goes by its own index, not status's.
	status := "status"
	if q.Reference != "" || q.Mobile != "" {
		status = "+status"
	}
	parts := make([]string, len(store.AllStatuses))
	var all []any
	for i, st := range store.AllStatuses {
		parts[i] = fmt.Sprintf(`SELECT ?, (SELECT count(*) FROM (SELECT 1 FROM requests%s %s = ? LIMIT %d))`, where, status, cap+1)
		all = append(append(append(all, st), args...), st)
	}
	rows, err := s.readers.QueryContext(ctx, strings.Join(parts, " UNION ALL "), all...)
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
	tx, err := s.begin(ctx)
	if err != nil {
		return request.Request{}, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	// The status and version in the WHERE clause make the check and the change one step: a
	// change decided on a request someone else has since changed matches no row.
	r, err := scanRequest(tx.QueryRowContext(ctx, `UPDATE requests SET status = ?,
			assigned_to = CASE WHEN ? <> '' THEN ? ELSE assigned_to END,
			history = json_insert(history, '$[#]', json_extract(?, '$[0]')),
			updated_at = ?
		WHERE id = ? AND status = ? AND (? = 0 OR json_array_length(history) = ?) RETURNING `+requestColumns,
		c.Change.To, c.Change.AssignedTo, c.Change.AssignedTo, event, c.At.UnixMilli(), c.RequestID, c.From, c.Version, c.Version))
	if errors.Is(err, sql.ErrNoRows) {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM requests WHERE id = ?`, c.RequestID).Scan(&exists); err != nil {
			return request.Request{}, fmt.Errorf("sqlite: change status: %w", err)
		}
		if exists == 0 {
			return request.Request{}, store.ErrNotFound
		}
		return request.Request{}, store.ErrChangedMeanwhile
	}
	if err != nil {
		return request.Request{}, fmt.Errorf("sqlite: change status: %w", err)
	}
	ids, err := insertNotifications(ctx, tx, r.ID, c.At, c.Notifications)
	if err != nil {
		return request.Request{}, err
	}
	if len(ids) > 0 {
		if err := s.queue(ctx, tx, ids); err != nil {
			return request.Request{}, err
		}
	}
	if err := insertAudit(ctx, tx, c.Audit, c.At, string(r.Reference)); err != nil {
		return request.Request{}, err
	}
	return r, commitTx(tx)
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
	var conds []string
	var args []any
	for _, f := range []struct{ col, val string }{{"actor", q.Actor}, {"action", q.Action}, {"target", q.Target}} {
		if f.val != "" {
			conds = append(conds, f.col+" = ?")
			args = append(args, f.val)
		}
	}
	if q.Before > 0 {
		conds = append(conds, "id < ?")
		args = append(args, q.Before)
	}
	query := `SELECT id, at, actor, role, unit, ip, action, target, details FROM audit_log`
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	query += " ORDER BY id DESC"
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	return queryAll(ctx, s.readers, "audit log", query, func(row scanner) (audit.Entry, error) {
		var e audit.Entry
		var at int64
		err := row.Scan(&e.ID, &at, &e.Actor, &e.Role, &e.Unit, &e.IP, &e.Action, &e.Target, &e.Details)
		e.At = timeOrZero(at)
		return e, err
	}, args...)
}

// DeleteExpired implements store.Store, in one transaction.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (store.Deleted, error) {
	tx, err := s.begin(ctx)
	if err != nil {
		return store.Deleted{}, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var d store.Deleted
	tokensBefore := now.Add(-store.OldTokenRetention).UnixMilli()
	for _, step := range []struct {
		query string
		arg   []any
		count *int
	}{
		{`DELETE FROM sessions WHERE expiry <= ?`, []any{now.UnixMilli()}, &d.Sessions},
		{`DELETE FROM idempotency_keys WHERE created_at < ?`, []any{now.Add(-store.IdempotencyKeyRetention).UnixMilli()}, &d.IdempotencyKeys},
		{`DELETE FROM otp_codes WHERE expires_at < ?`, []any{now.Add(-store.OneTimeCodeRetention).UnixMilli()}, &d.OneTimeCodes},
		{`DELETE FROM api_tokens WHERE expires_at < ? OR (revoked_at <> 0 AND revoked_at < ?)`, []any{tokensBefore, tokensBefore}, &d.Tokens},
	} {
		res, err := tx.ExecContext(ctx, step.query, step.arg...)
		if err != nil {
			return store.Deleted{}, fmt.Errorf("sqlite: delete expired: %w", err)
		}
		n, _ := res.RowsAffected()
		*step.count = int(n)
	}
	return d, commitTx(tx)
}
