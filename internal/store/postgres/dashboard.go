package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// The dashboard's counters (migration 00009). Changes add to them in their own
// transaction: a tally is a statement per table whatever its size. Rows are locked in the tally's order (dashboard.Tally.Days), the same in
// every transaction, so that two writers on the same rows wait for each other instead of
// deadlocking.

const (
	// Histograms come as array literals (text), since rows' histograms differ in length, and
	// are added element by element; the shorter one counts as zeros.
	queryAddDays = `INSERT INTO dashboard_days AS d (unit, day, service_code, received, completed, not_serviceable, cancelled, completion)
		SELECT u, dd, s, r, c, ns, ca, h::bigint[]
		FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[])
			AS t(u, dd, s, r, c, ns, ca, h)
		ON CONFLICT (unit, day, service_code) DO UPDATE SET
			received = d.received + excluded.received,
			completed = d.completed + excluded.completed,
			not_serviceable = d.not_serviceable + excluded.not_serviceable,
			cancelled = d.cancelled + excluded.cancelled,
			completion = CASE WHEN cardinality(excluded.completion) = 0 THEN d.completion ELSE ARRAY(
				SELECT COALESCE(a, 0) + COALESCE(b, 0)
				FROM unnest(d.completion, excluded.completion) WITH ORDINALITY AS h(a, b, i) ORDER BY i) END`
	queryAddOpen = `INSERT INTO dashboard_open AS o (unit, hour, service_code, open)
		SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[])
		ON CONFLICT (unit, hour, service_code) DO UPDATE SET open = o.open + excluded.open`
	queryAddOpenDays = `INSERT INTO dashboard_open_days AS o (unit, day, service_code, open)
		SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[])
		ON CONFLICT (unit, day, service_code) DO UPDATE SET open = o.open + excluded.open`
	queryDropClosedHours = `DELETE FROM dashboard_open WHERE open = 0
		AND (unit, hour, service_code) IN (SELECT * FROM unnest($1::text[], $2::int[], $3::text[]))`
	queryDropClosedDays = `DELETE FROM dashboard_open_days WHERE open = 0
		AND (unit, day, service_code) IN (SELECT * FROM unnest($1::text[], $2::int[], $3::text[]))`
)

// queueTally adds the statements that add t to the counters to batch.
func queueTally(batch *pgx.Batch, t *dashboard.Tally) {
	if t.Empty() {
		return
	}
	days := t.Days()
	var units, services, histograms []string
	var dayNumbers []int32
	var counts [4][]int64
	for _, d := range days {
		units, dayNumbers, services = append(units, d.Unit), append(dayNumbers, int32(d.Day)), append(services, d.Service)
		for i, n := range [4]int64{d.Received, d.Completed, d.NotServiceable, d.Cancelled} {
			counts[i] = append(counts[i], n)
		}
		histograms = append(histograms, arrayLiteral(d.Completion))
	}
	batch.Queue(queryAddDays, units, dayNumbers, services, counts[0], counts[1], counts[2], counts[3], histograms)
	open := t.Open()
	units, services = nil, nil
	var hours []int32
	var n []int64
	for _, o := range open {
		units, hours, services, n = append(units, o.Unit), append(hours, int32(o.Hour)), append(services, o.Service), append(n, o.Open)
	}
	batch.Queue(queryAddOpen, units, hours, services, n)
	// After the hourly rows, in key order: every transaction locks rows in the same order.
	units, services, n = nil, nil, nil
	var openDays []int32
	for _, o := range t.OpenDays() {
		units, openDays, services, n = append(units, o.Unit), append(openDays, int32(o.Day)), append(services, o.Service), append(n, o.Open)
	}
	batch.Queue(queryAddOpenDays, units, openDays, services, n)
	// The open rows a change took from and brought to zero are deleted (migration 00014).
	var closedUnits, closedServices []string
	var closedHours []int32
	for _, o := range open {
		if o.Open < 0 {
			closedUnits, closedHours, closedServices = append(closedUnits, o.Unit), append(closedHours, int32(o.Hour)), append(closedServices, o.Service)
		}
	}
	if len(closedUnits) > 0 {
		batch.Queue(queryDropClosedHours, closedUnits, closedHours, closedServices)
		closedUnits, closedServices = nil, nil
		var closedDays []int32
		for _, o := range t.OpenDays() {
			if o.Open < 0 {
				closedUnits, closedDays, closedServices = append(closedUnits, o.Unit), append(closedDays, int32(o.Day)), append(closedServices, o.Service)
			}
		}
		batch.Queue(queryDropClosedDays, closedUnits, closedDays, closedServices)
	}
}

// arrayLiteral is h as a PostgreSQL array literal: {1,0,3}.
func arrayLiteral(h dashboard.Histogram) string {
	b := []byte{'{'}
	for i, n := range h.Trimmed() {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, n, 10)
	}
	return string(append(b, '}'))
}

// addTally adds t to the counters in tx.
func addTally(ctx context.Context, tx pgx.Tx, t *dashboard.Tally) error {
	batch := &pgx.Batch{}
	queueTally(batch, t)
	if batch.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("postgres: dashboard: %w", err)
	}
	return nil
}

const (
	queryDays = `SELECT unit, day, service_code, received, completed, not_serviceable, cancelled, completion FROM dashboard_days`
	queryOpen = `SELECT unit, hour, service_code, open FROM dashboard_open`
)

func scanDayRow(row pgx.Row) (dashboard.DayRow, error) {
	var r dashboard.DayRow
	var completion []int64
	err := row.Scan(&r.Unit, &r.Day, &r.Service, &r.Received, &r.Completed, &r.NotServiceable, &r.Cancelled, &completion)
	r.Completion = completion
	return r, err
}

func scanOpenRow(row pgx.Row) (dashboard.OpenRow, error) {
	var r dashboard.OpenRow
	err := row.Scan(&r.Unit, &r.Hour, &r.Service, &r.Open)
	return r, err
}

// DashboardDays implements store.Store: the counters and the unfolded requests
// (store.Folder), in one snapshot.
func (s *Store) DashboardDays(ctx context.Context, unit string, children []string, from, to dashboard.Day) ([]dashboard.DayRow, error) {
	var rows []dashboard.DayRow
	var t *dashboard.Tally
	err := s.inSnapshot(ctx, func(b *pgx.Batch) {
		b.Queue(queryDays+` WHERE unit = $1 AND day BETWEEN $3 AND $4 AND service_code <> ''
			UNION ALL `+queryDays+` WHERE unit = ANY($2) AND day BETWEEN $3 AND $4 AND service_code = ''`,
			unit, children, int32(from), int32(to)).Query(func(r pgx.Rows) (err error) {
			rows, err = pgx.CollectRows(r, func(row pgx.CollectableRow) (dashboard.DayRow, error) { return scanDayRow(row) })
			return err
		})
		queueUnfolded(b, &t)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: dashboard days: %w", err)
	}
	return store.WithUnfoldedDays(rows, t, unit, children, from, to), nil
}

// DashboardOpenSums implements store.Store: the counters and the unfolded requests
// (store.Folder), in one snapshot.
func (s *Store) DashboardOpenSums(ctx context.Context, units []string, bounds []dashboard.Hour) ([]dashboard.OpenSums, error) {
	unitsIn := func(p string) string { return "unit = ANY(" + p + "::text[])" }
	days, hours := store.OpenSumsStatements(store.Placeholder, unitsIn, units, bounds)
	sums := store.NewOpenSumsBuilder(len(bounds))
	var t *dashboard.Tally
	err := s.inSnapshot(ctx, func(b *pgx.Batch) {
		b.Queue(days.SQL, days.Args...).Query(func(rows pgx.Rows) error {
			_, err := pgx.ForEachRow(rows, sums.DayDest(), func() error { sums.DayScanned(); return nil })
			return err
		})
		if hours.SQL != "" {
			b.Queue(hours.SQL, hours.Args...).Query(func(rows pgx.Rows) error {
				_, err := pgx.ForEachRow(rows, sums.HoursDest(), func() error { sums.HoursScanned(); return nil })
				return err
			})
		}
		queueUnfolded(b, &t)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: dashboard open: %w", err)
	}
	sums.Unfolded(t, units, bounds)
	return sums.Sums(), nil
}

// inSnapshot sends the reads that queue queues in one read-only transaction at REPEATABLE
// READ, as one batch: one snapshot for all of them (a fold committed meanwhile is seen by
// all or by none) in one round trip.
func (s *Store) inSnapshot(ctx context.Context, queue func(b *pgx.Batch)) error {
	b := &pgx.Batch{}
	b.Queue(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`)
	queue(b)
	b.Queue(`COMMIT`)
	return s.pool.SendBatch(ctx, b).Close()
}

// queueUnfolded queues the read of the unfolded requests' tally into t.
func queueUnfolded(b *pgx.Batch, t **dashboard.Tally) {
	b.Queue(queryUnfolded).Query(func(rows pgx.Rows) (err error) {
		*t, err = tallyUnfolded(rows)
		return err
	})
}

const queryUnfolded = `SELECT service_code, division, region, circle, created_at FROM dashboard_unfolded`

// unfolded is what the requests not yet counted add to the counters.
func unfolded(ctx context.Context, q queryer) (*dashboard.Tally, error) {
	rows, err := q.Query(ctx, queryUnfolded)
	if err != nil {
		return nil, fmt.Errorf("postgres: dashboard unfolded: %w", err)
	}
	return tallyUnfolded(rows)
}

func tallyUnfolded(rows pgx.Rows) (*dashboard.Tally, error) {
	var t dashboard.Tally
	var r request.Request
	_, err := pgx.ForEachRow(rows, []any{&r.ServiceCode, &r.Division, &r.Region, &r.Circle, &r.CreatedAt}, func() error {
		t.Submitted(r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: dashboard unfolded: %w", err)
	}
	return &t, nil
}

// Fold counts up to store.FoldEvery unfolded requests into the counters. Instances fold
// at the same time without waiting for each other: each takes requests the others have not
// locked.
func (s *Store) Fold(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `DELETE FROM dashboard_unfolded WHERE request_id IN (
				SELECT request_id FROM dashboard_unfolded ORDER BY request_id LIMIT $1 FOR UPDATE SKIP LOCKED)
			RETURNING service_code, division, region, circle, created_at`, 2*store.FoldEvery)
		if err != nil {
			return fmt.Errorf("postgres: dashboard fold: %w", err)
		}
		t, err := tallyUnfolded(rows)
		if err != nil {
			return err
		}
		return addTally(ctx, tx, t)
	})
}

// StoredDashboard implements store.Store: the counters and the unfolded requests, in one
// snapshot.
func (s *Store) StoredDashboard(ctx context.Context) (t *dashboard.Tally, err error) {
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		t, err = storedDashboard(ctx, tx)
		return err
	})
	return t, err
}

func storedDashboard(ctx context.Context, q queryer) (*dashboard.Tally, error) {
	days, err := queryAll(ctx, q, "dashboard days", queryDays, scanDayRow)
	if err != nil {
		return nil, err
	}
	open, err := queryAll(ctx, q, "dashboard open", queryOpen, scanOpenRow)
	if err != nil {
		return nil, err
	}
	openDays, err := queryAll(ctx, q, "dashboard open days", `SELECT unit, day, service_code, open FROM dashboard_open_days`,
		func(row pgx.Row) (dashboard.OpenDayRow, error) {
			var r dashboard.OpenDayRow
			err := row.Scan(&r.Unit, &r.Day, &r.Service, &r.Open)
			return r, err
		})
	if err != nil {
		return nil, err
	}
	var t dashboard.Tally
	t.Add(days, open)
	t.AddOpenDays(openDays)
	pending, err := unfolded(ctx, q)
	if err != nil {
		return nil, err
	}
	return store.WithUnfolded(&t, pending), nil
}

// CheckDashboard implements store.Store, in one read-only transaction at REPEATABLE READ:
// one snapshot for both reads.
func (s *Store) CheckDashboard(ctx context.Context) (stored, recounted *dashboard.Tally, err error) {
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if stored, err = storedDashboard(ctx, tx); err != nil {
			return err
		}
		recounted, err = recount(ctx, tx)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: check dashboard: %w", err)
	}
	return stored, recounted, nil
}

type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// RecountDashboard implements store.Store.
func (s *Store) RecountDashboard(ctx context.Context) (*dashboard.Tally, error) {
	return recount(ctx, s.pool)
}

func recount(ctx context.Context, q queryer) (*dashboard.Tally, error) {
	rows, err := q.Query(ctx, `SELECT service_code, division, region, circle, status, created_at, updated_at FROM requests`)
	if err != nil {
		return nil, fmt.Errorf("postgres: recount: %w", err)
	}
	defer rows.Close()
	var t dashboard.Tally
	var r dashboard.Raw
	var status string
	var created, updated time.Time
	_, err = pgx.ForEachRow(rows, []any{&r.Service, &r.Division, &r.Region, &r.Circle, &status, &created, &updated}, func() error {
		r.Status, r.CreatedAt, r.ClosedAt = request.Status(status), created, updated
		t.Recount(r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: recount: %w", err)
	}
	return &t, nil
}

// RepairDashboard implements store.Store. Requests are locked against changes (not against
// reading) while they are recounted and the counters rewritten, so that no change comes
// between the two.
func (s *Store) RepairDashboard(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// No submission or fold comes between the recount and the rewrite: a fold under
		// way finishes first.
		if _, err := tx.Exec(ctx, `LOCK TABLE requests IN SHARE MODE; LOCK TABLE dashboard_unfolded IN EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("postgres: repair: %w", err)
		}
		t, err := recount(ctx, tx)
		if err != nil {
			return err
		}
		// The recount counted every request, the unfolded ones too.
		for _, table := range []string{"dashboard_days", "dashboard_open", "dashboard_open_days", "dashboard_unfolded"} {
			if _, err := tx.Exec(ctx, "DELETE FROM "+table); err != nil {
				return fmt.Errorf("postgres: repair: %w", err)
			}
		}
		return addTally(ctx, tx, t)
	})
}
