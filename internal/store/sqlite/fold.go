package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/request"
)

// The dashboard's fold (store.Folder) on this backend: the counters count the requests up
// to dashboard_folded.through (migration 00014), and those after it are unfolded. This
// relies on a new request's id being above every earlier one's: requests are never deleted
// (nothing in Doorstep deletes one), so SQLite's next rowid is always a new maximum, and a
// single writer commits them in the order of their ids.

// Fold adds the requests past the mark to the counters now (tests, and an operator's
// tools that want the counters complete at rest).
func (s *Store) Fold(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return fold(ctx, tx) })
}

// fold adds the requests past the mark to the counters and moves the mark, in tx (a write
// transaction).
func fold(ctx context.Context, tx *sql.Tx) error {
	t, last, err := unfolded(ctx, tx)
	if err != nil || t.Empty() {
		return err
	}
	if err := addTally(ctx, tx, t); err != nil {
		return err
	}
	return setFolded(ctx, tx, last)
}

// setFolded moves the mark to id.
func setFolded(ctx context.Context, tx *sql.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE dashboard_folded SET through = ?`, id); err != nil {
		return fmt.Errorf("sqlite: dashboard fold: %w", err)
	}
	return nil
}

// foldedAll moves the mark past every request, for writers that count all of them (a load,
// a repair).
func foldedAll(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `UPDATE dashboard_folded SET through = (SELECT coalesce(max(id), 0) FROM requests)`); err != nil {
		return fmt.Errorf("sqlite: dashboard fold: %w", err)
	}
	return nil
}

// unfolded is what the requests past the mark add to the counters, and the last one's id
// (0 if none).
func unfolded(ctx context.Context, q querier) (t *dashboard.Tally, last int64, err error) {
	rows, err := q.QueryContext(ctx, `SELECT id, service_code, division, region, circle, created_at FROM requests
		WHERE id > (SELECT through FROM dashboard_folded) ORDER BY id`)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: dashboard unfolded: %w", err)
	}
	defer rows.Close()
	t = &dashboard.Tally{}
	for rows.Next() {
		var r request.Request
		var created int64
		if err := rows.Scan(&last, &r.ServiceCode, &r.Division, &r.Region, &r.Circle, &created); err != nil {
			return nil, 0, fmt.Errorf("sqlite: dashboard unfolded: %w", err)
		}
		r.CreatedAt = fromMillis(created)
		t.Submitted(r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("sqlite: dashboard unfolded: %w", err)
	}
	return t, last, nil
}
