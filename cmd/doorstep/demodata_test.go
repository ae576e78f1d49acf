package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/config"
	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

func TestDemoDataAndDashboardVerify(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		testDemoDataAndDashboardVerify(t, "sqlite:"+filepath.Join(t.TempDir(), "doorstep.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		testDemoDataAndDashboardVerify(t, testenv.PostgresURL(t))
	})
}

func testDemoDataAndDashboardVerify(t *testing.T, databaseURL string) {
	ctx := context.Background()
	c := cli{t: t, env: map[string]string{"DOORSTEP_DATABASE_URL": databaseURL}}
	const requests = 3000
	out := c.must("", "demo-data", "--requests", "3000", "--days", "30", "--seed", "5")
	for _, want := range []string{"Made 3,000 requests", "seed 5", "In 482 Divisions", "dashboard verify"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo-data said %q, want %q in it", out, want)
		}
	}

	st := openDatabase(t, databaseURL)
	counts, err := st.DeskCounts(ctx, store.DeskQuery{}, store.DefaultCountCap)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range store.AllStatuses {
		if counts[s] == 0 {
			t.Errorf("no request %s: %v", s, counts)
		}
		total += counts[s]
	}
	if total != requests || counts[request.StatusCompleted] < requests/2 {
		t.Errorf("statuses %v, want %d requests, most completed", counts, requests)
	}
	// Every Division has requests, the big ones more: Secunderabad (64 pincodes, a metro)
	// more than Chennai GPO (one).
	recount, err := st.RecountDashboard(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byDivision := map[string]int64{}
	for _, r := range recount.Days() {
		if name, ok := strings.CutPrefix(r.Unit, "division:"); ok {
			byDivision[name] += r.Received
		}
	}
	dir, err := postal.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dir.Divisions() {
		if byDivision[d.Name] == 0 {
			t.Errorf("no request in %s", d.Name)
		}
	}
	if big, small := byDivision["Secunderabad Division"], byDivision["Chennai GPO Division"]; big <= 3*small {
		t.Errorf("Secunderabad Division has %d requests, Chennai GPO Division %d", big, small)
	}
	// Every pincode is one of its Division's; nothing was sent; the fill is audited.
	reqs, err := st.DeskRequests(ctx, store.DeskQuery{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		if a, err := dir.Lookup(r.Pincode); err != nil || a.Division != r.Division || a.Circle != r.Circle {
			t.Errorf("%s: pincode %s in %s, %s; directory: %+v, %v", r.Reference, r.Pincode, r.Division, r.Circle, a, err)
		}
		if _, err := request.ParseReference(string(r.Reference)); err != nil {
			t.Errorf("reference %q: %v", r.Reference, err)
		}
	}
	if n := queryInt(t, databaseURL, "SELECT count(*) FROM notifications"); n != 0 {
		t.Errorf("%d notifications queued for made-up customers", n)
	}
	if entries, err := st.AuditLog(ctx, audit.Query{Action: "demo_data"}); err != nil || len(entries) != 1 || entries[0].Actor != audit.System {
		t.Errorf("audit of the fill: %+v, %v", entries, err)
	}

	// The counters equal a recount.
	if out := c.must("", "dashboard", "verify"); !strings.Contains(out, "requests: all equal") || !strings.Contains(out, "recount of 3,000 requests") {
		t.Errorf("verify after demo-data: %q", out)
	}

	// A database with requests is refused, unless told to add to it.
	code, _, errs := c.run("", "demo-data", "--requests", "10")
	if code != 1 || !strings.Contains(errs, "already has requests") || !strings.Contains(errs, "--append") {
		t.Errorf("demo-data on a database with requests: exit %d\n%s", code, errs)
	}
	c.must("", "demo-data", "--requests", "10", "--append")

	// Counters damaged by hand are found, listed (up to a cap), repaired.
	execSQL(t, databaseURL, `UPDATE dashboard_days SET received = received + 1 WHERE unit = 'india'`)
	execSQL(t, databaseURL, `DELETE FROM dashboard_open WHERE unit = 'india' AND open > 0`)
	code, out, errs = c.run("", "dashboard", "verify")
	if code != 1 || !strings.Contains(out, "counters differ") || !strings.Contains(out, "... and ") ||
		!strings.Contains(out, "--repair") {
		t.Errorf("verify of damaged counters: exit %d\n%s%s", code, out, errs)
	}
	lines := strings.Split(out, "\n")
	if len(lines) < 3 || !strings.Contains(lines[1], "UNIT") || !strings.Contains(lines[2], "india") || !strings.Contains(lines[2], "received") {
		t.Errorf("the differences listed:\n%s", out)
	}
	out = c.must("", "dashboard", "verify", "--repair")
	if !strings.Contains(out, "counters differ") || !strings.Contains(out, "Repaired") {
		t.Errorf("verify --repair: %q", out)
	}
	if out := c.must("", "dashboard", "verify"); !strings.Contains(out, "all equal") || !strings.Contains(out, "3,010 requests") {
		t.Errorf("verify after the repair: %q", out)
	}
}

func TestDemoDataRefusals(t *testing.T) {
	t.Parallel()
	databaseURL := "sqlite:" + filepath.Join(t.TempDir(), "doorstep.db")
	tests := []struct {
		args []string
		env  map[string]string
		code int
		want string
	}{
		{[]string{"demo-data"}, nil, 2, "--requests"},
		{[]string{"demo-data", "--requests", "10", "--days", "400"}, nil, 2, "--days is 1 to 366"},
		{[]string{"demo-data", "--requests", "10", "extra"}, nil, 2, `unexpected argument "extra"`},
		{[]string{"demo-data", "--requests", "10"}, map[string]string{"DOORSTEP_SMS_URL": "https://sms.example.com/send"}, 1, "DOORSTEP_SMS_URL"},
		{[]string{"dashboard"}, nil, 2, "dashboard verify"},
		{[]string{"dashboard", "verify", "extra"}, nil, 2, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		env := map[string]string{"DOORSTEP_DATABASE_URL": databaseURL}
		for k, v := range tt.env {
			env[k] = v
		}
		code, _, errs := cli{t: t, env: env}.run("", tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, %q; want exit %d mentioning %q", tt.args, code, errs, tt.code, tt.want)
		}
	}
	// On an empty database there is nothing to differ.
	if out := (cli{t: t, env: map[string]string{"DOORSTEP_DATABASE_URL": databaseURL}}).must("", "dashboard", "verify"); !strings.Contains(out, "all equal") {
		t.Errorf("verify of an empty database: %q", out)
	}
}

// execSQL runs a statement on the database directly, as an operator (or an accident) would.
func execSQL(t *testing.T, databaseURL, query string) {
	t.Helper()
	withSQL(t, databaseURL, func(exec func(string) error, _ func(string, *int) error) {
		if err := exec(query); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	})
}

// queryInt reads one number from the database directly.
func queryInt(t *testing.T, databaseURL, query string) int {
	t.Helper()
	var n int
	withSQL(t, databaseURL, func(_ func(string) error, scan func(string, *int) error) {
		if err := scan(query, &n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	})
	return n
}

func withSQL(t *testing.T, databaseURL string, f func(exec func(string) error, scan func(string, *int) error)) {
	t.Helper()
	ctx := context.Background()
	db, err := config.ParseDatabaseURL(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	if db.Driver == "sqlite" {
		conn, err := sql.Open("sqlite", db.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		f(func(q string) error { _, err := conn.ExecContext(ctx, q); return err },
			func(q string, n *int) error { return conn.QueryRowContext(ctx, q).Scan(n) })
		return
	}
	conn, err := pgx.Connect(ctx, db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	f(func(q string) error { _, err := conn.Exec(ctx, q); return err },
		func(q string, n *int) error { return conn.QueryRow(ctx, q).Scan(n) })
}
