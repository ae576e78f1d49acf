package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/store"
)

// The dashboard's counters (migration 00009). Changes add to them in their own transaction;
// a group of submissions adds its whole tally in two statements.

const (
	// The rows come as one JSON array each, so that a group's rows are one statement.
	queryAddDays = `INSERT INTO dashboard_days (unit, day, service_code, received, completed, not_serviceable, cancelled, completion)
		SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7
		FROM json_each(?) WHERE true
		ON CONFLICT (unit, day, service_code) DO UPDATE SET
			received = received + excluded.received,
			completed = completed + excluded.completed,
			not_serviceable = not_serviceable + excluded.not_serviceable,
			cancelled = cancelled + excluded.cancelled,
			completion = CASE WHEN excluded.completion = '' THEN completion ELSE excluded.completion END`
	queryAddOpen = `INSERT INTO dashboard_open (unit, hour, service_code, open)
		SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?) WHERE true
		ON CONFLICT (unit, hour, service_code) DO UPDATE SET open = open + excluded.open`
	queryAddOpenDays = `INSERT INTO dashboard_open_days (unit, day, service_code, open)
		SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?) WHERE true
		ON CONFLICT (unit, day, service_code) DO UPDATE SET open = open + excluded.open`
	// The histograms of the rows named by a JSON array of [unit, day, service].
	queryCompletions = `SELECT d.unit, d.day, d.service_code, d.completion
		FROM json_each(?) AS k JOIN dashboard_days AS d
			ON d.unit = k.value ->> 0 AND d.day = k.value ->> 1 AND d.service_code = k.value ->> 2`
)

// addTally adds t to the counters in tx. A row's histogram is read and written back whole
// (the writer is the only one, so nothing can come between): the rows that count
// completions are read in one statement, so that a tally of many rows (a bulk load) costs
// no statement per row.
func addTally(ctx context.Context, tx *sql.Tx, t *dashboard.Tally) error {
	if t.Empty() {
		return nil
	}
	days := t.Days()
	var keys [][3]any
	for _, d := range days {
		if d.Completion.Total() != 0 {
			keys = append(keys, [3]any{d.Unit, d.Day, d.Service})
		}
	}
	have := map[dashboard.DayKey]string{}
	if len(keys) > 0 {
		data, err := json.Marshal(keys)
		if err != nil {
			return fmt.Errorf("sqlite: dashboard: %w", err)
		}
		rows, err := tx.QueryContext(ctx, queryCompletions, string(data))
		if err != nil {
			return fmt.Errorf("sqlite: dashboard: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k dashboard.DayKey
			var stored string
			if err := rows.Scan(&k.Unit, &k.Day, &k.Service, &stored); err != nil {
				return fmt.Errorf("sqlite: dashboard: %w", err)
			}
			have[k] = stored
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlite: dashboard: %w", err)
		}
	}
	rows := make([][8]any, len(days))
	for i, d := range days {
		completion := ""
		if d.Completion.Total() != 0 {
			stored, err := decodeHistogram(have[d.DayKey])
			if err != nil {
				return err
			}
			completion = encodeHistogram(stored.Add(d.Completion))
		}
		rows[i] = [8]any{d.Unit, d.Day, d.Service, d.Received, d.Completed, d.NotServiceable, d.Cancelled, completion}
	}
	if err := execJSON(ctx, tx, queryAddDays, rows); err != nil {
		return err
	}
	open := t.Open()
	openRows := make([][4]any, len(open))
	for i, o := range open {
		openRows[i] = [4]any{o.Unit, o.Hour, o.Service, o.Open}
	}
	if err := execJSON(ctx, tx, queryAddOpen, openRows); err != nil {
		return err
	}
	openDays := t.OpenDays()
	dayRows := make([][4]any, len(openDays))
	for i, o := range openDays {
		dayRows[i] = [4]any{o.Unit, o.Day, o.Service, o.Open}
	}
	return execJSON(ctx, tx, queryAddOpenDays, dayRows)
}

func execJSON[T any](ctx context.Context, tx *sql.Tx, query string, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	data, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("sqlite: dashboard: %w", err)
	}
	if _, err := tx.ExecContext(ctx, query, string(data)); err != nil {
		return fmt.Errorf("sqlite: dashboard: %w", err)
	}
	return nil
}

func encodeHistogram(h dashboard.Histogram) string {
	h = h.Trimmed()
	var b strings.Builder
	for i, n := range h {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatInt(n, 10))
	}
	return b.String()
}

func decodeHistogram(s string) (dashboard.Histogram, error) {
	if s == "" {
		return nil, nil
	}
	h := make(dashboard.Histogram, 0, strings.Count(s, " ")+1)
	for f := range strings.SplitSeq(s, " ") {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("sqlite: dashboard: a stored histogram is damaged: %q", s)
		}
		h = append(h, n)
	}
	return h, nil
}

// jsonStrings is a list of strings as a JSON array, for json_each.
func jsonStrings(list []string) string {
	data, _ := json.Marshal(list) // cannot fail: strings
	return string(data)
}

// DashboardDays implements store.Store.
func (s *Store) DashboardDays(ctx context.Context, units []string, from, to dashboard.Day) ([]dashboard.DayRow, error) {
	return queryAll(ctx, s.readers, "dashboard days", `SELECT unit, day, service_code, received, completed, not_serviceable, cancelled, completion
		FROM dashboard_days WHERE unit IN (SELECT value FROM json_each(?)) AND day BETWEEN ? AND ?`,
		scanDayRow, jsonStrings(units), from, to)
}

func scanDayRow(row scanner) (dashboard.DayRow, error) {
	var r dashboard.DayRow
	var completion string
	if err := row.Scan(&r.Unit, &r.Day, &r.Service, &r.Received, &r.Completed, &r.NotServiceable, &r.Cancelled, &completion); err != nil {
		return r, err
	}
	var err error
	r.Completion, err = decodeHistogram(completion)
	return r, err
}

// DashboardOpenSums implements store.Store.
func (s *Store) DashboardOpenSums(ctx context.Context, units []string, bounds []dashboard.Hour) ([]dashboard.OpenSums, error) {
	unitsIn := func(p string) string { return "unit IN (SELECT value FROM json_each(" + p + "))" }
	days, hours := store.OpenSumsStatements(store.Question, unitsIn, jsonStrings(units), bounds)
	sums := store.NewOpenSumsBuilder(len(bounds))
	rows, err := s.readers.QueryContext(ctx, days.SQL, days.Args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: dashboard open: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(sums.DayDest()...); err != nil {
			return nil, fmt.Errorf("sqlite: dashboard open: %w", err)
		}
		sums.DayScanned()
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: dashboard open: %w", err)
	}
	if hours.SQL != "" {
		hourRows, err := s.readers.QueryContext(ctx, hours.SQL, hours.Args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: dashboard open: %w", err)
		}
		defer hourRows.Close()
		for hourRows.Next() {
			if err := hourRows.Scan(sums.HoursDest()...); err != nil {
				return nil, fmt.Errorf("sqlite: dashboard open: %w", err)
			}
			sums.HoursScanned()
		}
		if err := hourRows.Err(); err != nil {
			return nil, fmt.Errorf("sqlite: dashboard open: %w", err)
		}
	}
	return sums.Sums(), nil
}

func scanOpenRow(row scanner) (dashboard.OpenRow, error) {
	var r dashboard.OpenRow
	err := row.Scan(&r.Unit, &r.Hour, &r.Service, &r.Open)
	return r, err
}

// StoredDashboard implements store.Store.
func (s *Store) StoredDashboard(ctx context.Context) (*dashboard.Tally, error) {
	return storedDashboard(ctx, s.readers)
}

func storedDashboard(ctx context.Context, q querier) (*dashboard.Tally, error) {
	days, err := queryAll(ctx, q, "dashboard days", `SELECT unit, day, service_code, received, completed, not_serviceable, cancelled, completion
		FROM dashboard_days`, scanDayRow)
	if err != nil {
		return nil, err
	}
	open, err := queryAll(ctx, q, "dashboard open", `SELECT unit, hour, service_code, open FROM dashboard_open`, scanOpenRow)
	if err != nil {
		return nil, err
	}
	openDays, err := queryAll(ctx, q, "dashboard open days", `SELECT unit, day, service_code, open FROM dashboard_open_days`,
		func(row scanner) (dashboard.OpenDayRow, error) {
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
	return &t, nil
}

// RecountDashboard implements store.Store.
func (s *Store) RecountDashboard(ctx context.Context) (*dashboard.Tally, error) {
	return recount(ctx, s.readers)
}

func recount(ctx context.Context, q querier) (*dashboard.Tally, error) {
	rows, err := q.QueryContext(ctx, `SELECT service_code, division, region, circle, status, created_at, updated_at FROM requests`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: recount: %w", err)
	}
	defer rows.Close()
	var t dashboard.Tally
	for rows.Next() {
		var r dashboard.Raw
		var created, updated int64
		if err := rows.Scan(&r.Service, &r.Division, &r.Region, &r.Circle, (*string)(&r.Status), &created, &updated); err != nil {
			return nil, fmt.Errorf("sqlite: recount: %w", err)
		}
		r.CreatedAt, r.ClosedAt = fromMillis(created), fromMillis(updated)
		t.Recount(r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: recount: %w", err)
	}
	return &t, nil
}

// CheckDashboard implements store.Store: a read transaction sees one snapshot of the file
// (WAL mode) from its first read to its end.
func (s *Store) CheckDashboard(ctx context.Context) (stored, recounted *dashboard.Tally, err error) {
	tx, err := s.readers.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: check dashboard: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // it only read
	if stored, err = storedDashboard(ctx, tx); err != nil {
		return nil, nil, err
	}
	if recounted, err = recount(ctx, tx); err != nil {
		return nil, nil, err
	}
	return stored, recounted, nil
}

// RepairDashboard implements store.Store: the recount and the rewrite are one write
// transaction, so no change comes between them.
func (s *Store) RepairDashboard(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		t, err := recount(ctx, tx)
		if err != nil {
			return err
		}
		for _, table := range []string{"dashboard_days", "dashboard_open", "dashboard_open_days"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
				return fmt.Errorf("sqlite: repair: %w", err)
			}
		}
		return addTally(ctx, tx, t)
	})
}
