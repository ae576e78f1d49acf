package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// Folding is what a backend does for DashboardFold: st.Fold.
type Folding interface {
	Fold(ctx context.Context) error
}

// DashboardFold: submissions are counted by the reads until a fold writes them into the
// counters, after every store.FoldEvery of them; before and after, the figures are the same and
// equal a recount, and a request is folded once however many folds run. Changes of status
// made before the fold count with it.
// received is the nation's received requests as the counters' table holds them, without
// the unfolded ones.
func DashboardFold(t *testing.T, st interface {
	store.Store
	Folding
}, received func() int64) {
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 17, 0, 0, 0, time.UTC) // 22:30 IST: some cross midnight
	submit := func(i int) request.Request {
		r := NewRequest(fmt.Sprintf("9%09d", i), at.Add(time.Duration(i)*time.Minute))
		r.ServiceCode = []string{"emoney_order", "aeps_cash", "article_booking"}[i%3]
		res, err := st.Submit(ctx, store.Submission{Request: r, NewReference: request.NewReference})
		if err != nil {
			t.Error(err) // also from the goroutines below
		}
		return res.Request
	}
	figures := func() (*dashboard.Tally, []dashboard.DayRow, []dashboard.OpenSums) {
		t.Helper()
		stored := mustStored(t, st)
		if diffs := dashboard.Compare(stored, mustRecount(t, st)); len(diffs) > 0 {
			t.Fatalf("%d counters differ from a recount, first %+v", len(diffs), diffs[0])
		}
		unit := "circle:" + NewRequest("", at).Circle
		days, err := st.DashboardDays(ctx, unit, []string{"division:" + NewRequest("", at).Division}, dashboard.DayOf(at)-1, dashboard.DayOf(at)+2)
		if err != nil {
			t.Fatal(err)
		}
		open, err := st.DashboardOpenSums(ctx, []string{unit, "india"}, []dashboard.Hour{dashboard.HourOf(at) + 2, dashboard.HourOf(at) + 30})
		if err != nil {
			t.Fatal(err)
		}
		return stored, days, open
	}

	var made []request.Request
	for i := range 40 {
		made = append(made, submit(i))
	}
	for _, r := range made[:10] {
		if _, err := st.ChangeStatus(ctx, store.StatusChange{RequestID: r.ID, From: r.Status,
			Change: request.Change{To: request.StatusCompleted, Remarks: "done"}, Actor: "agra", At: r.CreatedAt.Add(5 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if received() != 0 {
		t.Fatalf("before a fold: %d received in the counters; want none written", received())
	}
	storedBefore, daysBefore, openBefore := figures()
	if len(daysBefore) == 0 || len(openBefore) == 0 {
		t.Fatalf("unfolded requests read as %d daily rows and %d open sums, want some", len(daysBefore), len(openBefore))
	}
	for range 2 { // the second finds nothing to do
		if err := st.Fold(ctx); err != nil {
			t.Fatal(err)
		}
		if received() != int64(len(made)) {
			t.Fatalf("folded: %d received in the counters, want %d", received(), len(made))
		}
		stored, days, open := figures()
		if diffs := dashboard.Compare(stored, storedBefore); len(diffs) > 0 {
			t.Fatalf("the fold changed the counters: %+v", diffs[0])
		}
		if fmt.Sprint(sortedDays(days)) != fmt.Sprint(sortedDays(daysBefore)) || fmt.Sprint(open) != fmt.Sprint(openBefore) {
			t.Fatalf("the fold changed the figures:\n%v\n%v\nwere\n%v\n%v", days, open, daysBefore, openBefore)
		}
	}

	// store.FoldEvery submissions from many callers (groups) start a fold of their own;
	// meanwhile every third is closed at once, and more folds run side by side (on
	// PostgreSQL each takes requests the others have not locked): no count is lost or
	// counted twice.
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < store.FoldEvery; i += 8 {
				r := submit(1000 + i)
				if i%3 == 0 && r.ID != 0 {
					if _, err := st.ChangeStatus(ctx, store.StatusChange{RequestID: r.ID, From: r.Status,
						Change: request.Change{To: request.StatusCancelled, Remarks: "not needed"}, Actor: "agra", At: r.CreatedAt.Add(time.Hour)}); err != nil {
						t.Error(err)
					}
				}
				if i%100 == 0 {
					if err := st.Fold(ctx); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	WaitUntil(t, "a fold after store.FoldEvery submissions", func() bool { return received() > int64(len(made)) })
	if err := st.Fold(ctx); err != nil {
		t.Fatal(err)
	}
	if n := received(); n != int64(len(made)+store.FoldEvery) {
		t.Errorf("all folded: %d received in the counters, want %d", n, len(made)+store.FoldEvery)
	}
	figures()
}

func mustStored(t *testing.T, st store.Store) *dashboard.Tally {
	t.Helper()
	stored, err := st.StoredDashboard(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return stored
}

func mustRecount(t *testing.T, st store.Store) *dashboard.Tally {
	t.Helper()
	actual, err := st.RecountDashboard(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return actual
}

func sortedDays(rows []dashboard.DayRow) []dashboard.DayRow {
	var t dashboard.Tally
	t.Add(rows, nil)
	return t.Days()
}

// ClosedOpenRowsAreDeleted: the open counters keep no zero rows, so that a view reads only
// what is open without an index to skip the rest; a row that still counts a request stays.
// count reads a table's rows and the sum of their open.
func ClosedOpenRowsAreDeleted(t *testing.T, st interface {
	store.Store
	Folding
}, count func(table string) (rows, open int64)) {
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	var made []request.Request
	for _, mobile := range []string{"9876543210", "9876543211"} {
		res, err := st.Submit(ctx, store.Submission{Request: NewRequest(mobile, at), NewReference: request.NewReference})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, res.Request)
	}
	change := func(r request.Request) {
		t.Helper()
		if _, err := st.ChangeStatus(ctx, store.StatusChange{RequestID: r.ID, From: r.Status,
			Change: request.Change{To: request.StatusCompleted, Remarks: "done"}, Actor: "agra", At: at.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Fold(ctx); err != nil {
		t.Fatal(err)
	}
	// Both requests share their unit, hour and service: one row per level of the hierarchy.
	hourRows, open := count("dashboard_open")
	if hourRows == 0 || open != 2*hourRows {
		t.Fatalf("after two submissions: %d hourly rows counting %d, want rows of 2", hourRows, open)
	}
	change(made[0])
	if rows, open := count("dashboard_open"); rows != hourRows || open != hourRows {
		t.Errorf("one of two closed: %d hourly rows counting %d, want %d rows of 1", rows, open, hourRows)
	}
	// Per level, the row of the day and that of all days.
	if rows, open := count("dashboard_open_days"); rows != 2*hourRows || open != 2*hourRows {
		t.Errorf("one of two closed: %d daily rows counting %d, want %d rows of 1", rows, open, 2*hourRows)
	}
	change(made[1])
	for _, table := range []string{"dashboard_open", "dashboard_open_days"} {
		if rows, _ := count(table); rows != 0 {
			t.Errorf("all closed: %s keeps %d rows, want none", table, rows)
		}
	}
}
