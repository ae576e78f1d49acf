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
// a group of submissions adds its whole tally in a statement per table.

// The rows of a tally are written with bound parameters, a VALUES list per table, padded
// with rows of NULLs (which the statements skip) to a power of two: a group's tally is then
// one statement per table, from a handful of prepared ones. (Rows as one JSON argument cost
// the writer more in json_each and ->> than the upserts themselves.)
var (
	addDays = newValuesUpsert(8, `INSERT INTO dashboard_days (unit, day, service_code, received, completed, not_serviceable, cancelled, completion)
		SELECT * FROM (%s) WHERE column1 IS NOT NULL
		ON CONFLICT (unit, day, service_code) DO UPDATE SET
			received = received + excluded.received,
			completed = completed + excluded.completed,
			not_serviceable = not_serviceable + excluded.not_serviceable,
			cancelled = cancelled + excluded.cancelled,
			completion = CASE WHEN excluded.completion = '' THEN completion ELSE excluded.completion END`)
	addOpen = newValuesUpsert(4, `INSERT INTO dashboard_open (unit, hour, service_code, open)
		SELECT * FROM (%s) WHERE column1 IS NOT NULL
		ON CONFLICT (unit, hour, service_code) DO UPDATE SET open = open + excluded.open`)
	addOpenDays = newValuesUpsert(4, `INSERT INTO dashboard_open_days (unit, day, service_code, open)
		SELECT * FROM (%s) WHERE column1 IS NOT NULL
		ON CONFLICT (unit, day, service_code) DO UPDATE SET open = open + excluded.open`)
	// Open rows that a change brought to zero are deleted (migration 00013): a zero and no
	// row are the same count, and without them a view reads only what is open, with no
	// index on the open rows for every submission to keep up.
	dropClosedHours = newValuesUpsert(3, `DELETE FROM dashboard_open WHERE open = 0 AND (unit, hour, service_code) IN (%s)`)
	dropClosedDays  = newValuesUpsert(3, `DELETE FROM dashboard_open_days WHERE open = 0 AND (unit, day, service_code) IN (%s)`)
)

// The histograms of the rows named by a JSON array of [unit, day, service].
const queryCompletions = `SELECT d.unit, d.day, d.service_code, d.completion
	FROM json_each(?) AS k JOIN dashboard_days AS d
		ON d.unit = k.value ->> 0 AND d.day = k.value ->> 1 AND d.service_code = k.value ->> 2`

// maxValuesRows bounds a statement's VALUES list; longer tallies (a bulk load, a repair)
// take several statements.
const maxValuesRows = 64

// valuesUpsert is a statement taking a VALUES list of rows of columns values, in the sizes
// 1, 2, 4 ... maxValuesRows.
type valuesUpsert struct {
	columns int
	sized   []string // sized[i] takes 1<<i rows
}

func newValuesUpsert(columns int, format string) valuesUpsert {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", columns), ", ") + ")"
	u := valuesUpsert{columns: columns}
	for n := 1; n <= maxValuesRows; n *= 2 {
		u.sized = append(u.sized, fmt.Sprintf(format, "VALUES "+strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")))
	}
	return u
}

// exec runs the statement over rows, each of u.columns values.
func (u valuesUpsert) exec(ctx context.Context, tx *sql.Tx, rows [][]any) error {
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), maxValuesRows)]
		rows = rows[len(chunk):]
		size := 0
		for 1<<size < len(chunk) {
			size++
		}
		args := make([]any, 0, (1<<size)*u.columns)
		for _, r := range chunk {
			args = append(args, r...)
		}
		args = append(args, make([]any, (1<<size)*u.columns-len(args))...) // NULL rows
		if _, err := tx.ExecContext(ctx, u.sized[size], args...); err != nil {
			return fmt.Errorf("sqlite: dashboard: %w", err)
		}
	}
	return nil
}

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
	rows := make([][]any, len(days))
	for i, d := range days {
		completion := ""
		if d.Completion.Total() != 0 {
			stored, err := decodeHistogram(have[d.DayKey])
			if err != nil {
				return err
			}
			completion = encodeHistogram(stored.Add(d.Completion))
		}
		rows[i] = []any{d.Unit, int64(d.Day), d.Service, d.Received, d.Completed, d.NotServiceable, d.Cancelled, completion}
	}
	if err := addDays.exec(ctx, tx, rows); err != nil {
		return err
	}
	var closedHours, closedDays [][]any // rows a change took from, which may now be zero
	open := t.Open()
	openRows := make([][]any, len(open))
	for i, o := range open {
		openRows[i] = []any{o.Unit, int64(o.Hour), o.Service, o.Open}
		if o.Open < 0 {
			closedHours = append(closedHours, openRows[i][:3])
		}
	}
	if err := addOpen.exec(ctx, tx, openRows); err != nil {
		return err
	}
	openDays := t.OpenDays()
	dayRows := make([][]any, len(openDays))
	for i, o := range openDays {
		dayRows[i] = []any{o.Unit, int64(o.Day), o.Service, o.Open}
		if o.Open < 0 {
			closedDays = append(closedDays, dayRows[i][:3])
		}
	}
	if err := addOpenDays.exec(ctx, tx, dayRows); err != nil {
		return err
	}
	if err := dropClosedHours.exec(ctx, tx, closedHours); err != nil {
		return err
	}
	return dropClosedDays.exec(ctx, tx, closedDays)
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

// decodeHistogram reads a stored histogram. It is the most of what a view costs on this
// backend (a row per day and service, a hundred buckets each), so it reads the digits
// itself instead of splitting the text and parsing each field.
func decodeHistogram(s string) (dashboard.Histogram, error) {
	if s == "" {
		return nil, nil
	}
	h := make(dashboard.Histogram, 0, strings.Count(s, " ")+1)
	var n int64
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9' && digits < 18:
			n = n*10 + int64(c-'0')
			digits++
		case c == ' ' && digits > 0:
			h = append(h, n)
			n, digits = 0, 0
		default:
			return nil, fmt.Errorf("sqlite: dashboard: a stored histogram is damaged: %q", s)
		}
	}
	if digits == 0 {
		return nil, fmt.Errorf("sqlite: dashboard: a stored histogram is damaged: %q", s)
	}
	return append(h, n), nil
}

// jsonStrings is a list of strings as a JSON array, for json_each.
func jsonStrings(list []string) string {
	data, _ := json.Marshal(list) // cannot fail: strings
	return string(data)
}

// DashboardDays implements store.Store: the counters and the requests not yet folded into
// them (fold.go), in one snapshot.
func (s *Store) DashboardDays(ctx context.Context, unit string, children []string, from, to dashboard.Day) ([]dashboard.DayRow, error) {
	const columns = `SELECT unit, day, service_code, received, completed, not_serviceable, cancelled, completion FROM dashboard_days`
	var rows []dashboard.DayRow
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		rows, err = queryAll(ctx, tx, "dashboard days",
			columns+` WHERE unit = ?1 AND day BETWEEN ?3 AND ?4 AND service_code <> ''
			UNION ALL `+columns+` WHERE unit IN (SELECT value FROM json_each(?2)) AND day BETWEEN ?3 AND ?4 AND service_code = ''`,
			scanDayRow, unit, jsonStrings(children), from, to)
		if err != nil {
			return err
		}
		t, _, err := unfolded(ctx, tx)
		if err != nil {
			return err
		}
		rows = store.WithUnfoldedDays(rows, t, unit, children, from, to)
		return nil
	})
	return rows, err
}

// inReadTx runs f in a read transaction: one snapshot of the file (WAL mode) from its first
// read to its end.
func (s *Store) inReadTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.readers.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: read: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // it only read
	return f(tx)
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

// DashboardOpenSums implements store.Store: the counters and the requests not yet folded
// into them (fold.go), in one snapshot.
func (s *Store) DashboardOpenSums(ctx context.Context, units []string, bounds []dashboard.Hour) ([]dashboard.OpenSums, error) {
	unitsIn := func(p string) string { return "unit IN (SELECT value FROM json_each(" + p + "))" }
	days, hours := store.OpenSumsStatements(store.Question, unitsIn, jsonStrings(units), bounds)
	sums := store.NewOpenSumsBuilder(len(bounds))
	scan := func(tx *sql.Tx, st store.Statement, dest []any, scanned func()) error {
		rows, err := tx.QueryContext(ctx, st.SQL, st.Args...)
		if err != nil {
			return fmt.Errorf("sqlite: dashboard open: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return fmt.Errorf("sqlite: dashboard open: %w", err)
			}
			scanned()
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlite: dashboard open: %w", err)
		}
		return nil
	}
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		if err := scan(tx, days, sums.DayDest(), sums.DayScanned); err != nil {
			return err
		}
		if hours.SQL != "" {
			if err := scan(tx, hours, sums.HoursDest(), sums.HoursScanned); err != nil {
				return err
			}
		}
		t, _, err := unfolded(ctx, tx)
		if err != nil {
			return err
		}
		sums.Unfolded(t, units, bounds)
		return nil
	})
	if err != nil {
		return nil, err
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
	pending, _, err := unfolded(ctx, q)
	if err != nil {
		return nil, err
	}
	return store.WithUnfolded(&t, pending), nil
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
		if err := addTally(ctx, tx, t); err != nil {
			return err
		}
		return foldedAll(ctx, tx) // the recount counted every request
	})
}
