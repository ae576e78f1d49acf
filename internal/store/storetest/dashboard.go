package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// testDashboardCounters: after a random mix of submissions (duplicates among them) and
// status changes made by concurrent writers, across an IST midnight, the counters equal a
// recount of the requests; and a repair restores counters that were lost.
func testDashboardCounters(t *testing.T, st store.Store) {
	ctx := context.Background()
	// 18:00 UTC is 23:30 IST: the submissions and changes below straddle an IST midnight.
	start := time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC)
	units := []struct{ division, region, circle string }{
		{"New Delhi GPO Division", "", "Delhi Circle"},
		{"Agra Division", "Agra Region", "Uttar Pradesh Circle"},
		{"Mathura Division", "Agra Region", "Uttar Pradesh Circle"},
	}
	services := []string{"emoney_order", "aeps_cash", "article_booking"}
	const writers, perWriter = 4, 15
	var wg sync.WaitGroup
	var mu sync.Mutex
	var made []request.Request
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range perWriter {
				u := units[rng.IntN(len(units))]
				r := NewRequest(fmt.Sprintf("9%09d", rng.IntN(12)), start.Add(time.Duration(rng.IntN(90))*time.Minute))
				r.Division, r.Region, r.Circle, r.ServiceCode = u.division, u.region, u.circle, services[rng.IntN(len(services))]
				res, err := st.Submit(ctx, submission(r))
				if err != nil {
					errs <- err
					return
				}
				if res.Duplicate || i%3 == 0 {
					continue // left open
				}
				got := res.Request
				to := []request.Status{request.StatusCompleted, request.StatusNotServiceable, request.StatusCancelled}[rng.IntN(3)]
				if got.Status != request.StatusSubmitted {
					continue // another writer's duplicate, already moving
				}
				_, err = st.ChangeStatus(ctx, store.StatusChange{RequestID: got.ID, From: got.Status,
					Change: request.Change{To: to, Remarks: "done"}, Actor: "agra", At: got.CreatedAt.Add(time.Duration(1+rng.IntN(80)) * time.Hour)})
				if err != nil && err != store.ErrChangedMeanwhile {
					errs <- err
					return
				}
				mu.Lock()
				made = append(made, got)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	stored, received := countersMatchRecount(t, st, "")
	if stored.Empty() {
		t.Fatal("no counters written")
	}
	// The national received count is the number of distinct requests.
	requests, err := st.DeskRequests(ctx, store.DeskQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if received != int64(len(requests)) {
		t.Errorf("India received %d, requests stored %d", received, len(requests))
	}
	days := map[dashboard.Day]bool{}
	for _, r := range requests {
		days[dashboard.DayOf(r.CreatedAt)] = true
	}
	if len(days) < 2 {
		t.Errorf("requests on %d IST days, want both sides of midnight", len(days))
	}

	// A repair rewrites the counters from the requests.
	if err := st.RepairDashboard(ctx); err != nil {
		t.Fatal(err)
	}
	countersMatchRecount(t, st, "after repair: ")
}

// countersMatchRecount fails the test unless the stored counters equal a recount; it
// returns them with India's number of requests received, which is the number of requests.
func countersMatchRecount(t *testing.T, st store.Store, when string) (stored *dashboard.Tally, received int64) {
	t.Helper()
	ctx := context.Background()
	stored, err := st.StoredDashboard(ctx)
	if err != nil {
		t.Fatal(err)
	}
	actual, err := st.RecountDashboard(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diffs := dashboard.Compare(stored, actual); len(diffs) > 0 {
		t.Fatalf("%s%d counters differ from a recount, first %+v", when, len(diffs), diffs[0])
	}
	// The same, read in one snapshot.
	checked, recounted, err := st.CheckDashboard(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(dashboard.Compare(checked, stored)) > 0 || len(dashboard.Compare(recounted, actual)) > 0 {
		t.Fatalf("%sCheckDashboard read other counts than StoredDashboard and RecountDashboard", when)
	}
	for _, r := range stored.Days() {
		if r.Unit == dashboard.India.Key() {
			received += r.Received
		}
	}
	return stored, received
}

// DashboardBackfill: the rows of all services together and of all days that migration
// 00012 sums from the other rows equal what the changes write. Counters are written by
// changes, the migration is undone (downTo 11, which deletes those rows) and done again
// (up); then the counters equal a recount again.
func DashboardBackfill(t *testing.T, st store.Store, downTo func(version int64) error, up func() error) {
	ctx := context.Background()
	start := time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC)
	services := []string{"emoney_order", "aeps_cash", "article_booking"}
	for i := range 12 {
		r := NewRequest(fmt.Sprintf("98765432%02d", i), start.Add(time.Duration(i)*time.Hour))
		r.Division, r.Region, r.Circle, r.ServiceCode = "Agra Division", "Agra Region", "Uttar Pradesh Circle", services[i%len(services)]
		if i%4 == 0 {
			r.Division, r.Region, r.Circle = "New Delhi GPO Division", "", "Delhi Circle"
		}
		got := mustSubmit(t, st, submission(r)).Request
		if i%4 == 3 {
			continue // left open
		}
		to := []request.Status{request.StatusCompleted, request.StatusCompleted, request.StatusCancelled}[i%3]
		if _, err := st.ChangeStatus(ctx, store.StatusChange{RequestID: got.ID, From: got.Status,
			Change: request.Change{To: to, Remarks: "done"}, Actor: "agra", At: got.CreatedAt.Add(time.Duration(2+7*i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	allServices := func() (rows int, completions int64) {
		t.Helper()
		stored, err := st.StoredDashboard(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range stored.Days() {
			if r.Service == dashboard.AllServices {
				if r.Unit == dashboard.India.Key() {
					t.Errorf("a row of all services for the nation: %+v", r)
				}
				rows++
				completions += r.Completion.Total()
			}
		}
		return rows, completions
	}
	written, completions := allServices()
	if written == 0 || completions == 0 {
		t.Fatalf("changes wrote %d rows of all services counting %d completions, want some of each", written, completions)
	}
	countersMatchRecount(t, st, "as written: ")
	if err := downTo(11); err != nil {
		t.Fatal(err)
	}
	if rows, _ := allServices(); rows != 0 {
		t.Fatalf("undone, the migration left %d rows of all services", rows)
	}
	anyDay := 0
	for _, d := range dashboard.Compare(mustStored(t, st), mustRecount(t, st)) {
		if d.When == "submitted on any day" && d.Stored == "0" {
			anyDay++
		}
	}
	if anyDay == 0 {
		t.Fatal("undone, the migration left the open rows of all days")
	}
	if err := up(); err != nil {
		t.Fatal(err)
	}
	if rows, n := allServices(); rows != written || n != completions {
		t.Errorf("migrated: %d rows of all services counting %d completions, changes wrote %d counting %d", rows, n, written, completions)
	}
	countersMatchRecount(t, st, "migrated: ")
}
