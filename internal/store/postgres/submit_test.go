package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/postgres"
	"github.com/doorstep-post/doorstep/internal/store/storetest"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// groupSubmissions makes the submissions wait while both of the instance's group writers are
// busy, so that they are written as one group: an outside session holds the advisory locks
// of two other submissions' mobiles, whose writers wait for them.
func groupSubmissions(st *postgres.Store) storetest.GroupWriter {
	return func(t *testing.T, subs []store.Submission, ctxs []context.Context) ([]store.SubmitResult, []error) {
		t.Helper()
		ctx := context.Background()
		hold, err := st.Pool().Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer hold.Release()
		var wg sync.WaitGroup
		for i := range 2 {
			blocker := storetest.SubmissionFor(fmt.Sprintf("98000000%02d", i))
			if _, err := hold.Exec(ctx, `SELECT pg_advisory_lock(hashtextextended($1, 0))`, "mobile:"+blocker.Request.Mobile); err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				if _, err := st.Submit(ctx, blocker); err != nil {
					t.Errorf("blocker: %v", err)
				}
			})
		}
		storetest.WaitUntil(t, "both writers busy", func() bool { writing, _ := st.SubmissionQueue(); return writing == 2 })

		results, errs := make([]store.SubmitResult, len(subs)), make([]error, len(subs))
		for i := range subs {
			ctx := context.Background()
			if ctxs != nil {
				ctx = ctxs[i]
			}
			wg.Go(func() { results[i], errs[i] = st.Submit(ctx, subs[i]) })
		}
		storetest.WaitUntil(t, "submissions queued", func() bool { _, waiting := st.SubmissionQueue(); return waiting == len(subs) })
		if _, err := hold.Exec(ctx, `SELECT pg_advisory_unlock_all()`); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		return results, errs
	}
}

// Submissions written together keep the rules between them; each transaction queues one job.
func TestGroupedSubmissions(t *testing.T) {
	st := testenv.Postgres(t)
	var jobs storetest.Jobs
	st.SetEnqueuer(func(ctx context.Context, tx pgx.Tx, ids []int64) error {
		jobs.Add(ids)
		return nil
	})
	// The two blockers' transactions, and the group's: five, as five submissions share a
	// mobile (and five a key), and each of those goes in a transaction of its own.
	storetest.GroupedSubmissions(t, st, groupSubmissions(st), jobs.Queued, 2+5)
}

// When a group's transaction fails, each of its submissions is tried alone, and the log says
// so: here the job queue refuses every group of more than one, so each is saved in a
// transaction of its own.
func TestFailedGroupRetriedOneByOne(t *testing.T) {
	st := testenv.Postgres(t)
	var logs testenv.Logs
	st.SetLogger(slog.New(slog.NewTextHandler(&logs, nil)))
	var jobs storetest.Jobs
	st.SetEnqueuer(func(ctx context.Context, tx pgx.Tx, ids []int64) error {
		if len(ids) > 2 {
			return errors.New("queue refuses groups")
		}
		jobs.Add(ids)
		return nil
	})
	var subs []store.Submission
	for i := range 6 {
		subs = append(subs, storetest.SubmissionFor(fmt.Sprintf("94000000%02d", i)))
	}
	results, errs := groupSubmissions(st)(t, subs, nil)
	for i, err := range errs {
		if err != nil || results[i].Request.ID == 0 {
			t.Fatalf("submission %d: %+v, %v", i, results[i], err)
		}
		got, err := st.RequestByID(context.Background(), results[i].Request.ID)
		if err != nil || got.Reference != results[i].Request.Reference || got.Mobile != subs[i].Request.Mobile {
			t.Errorf("submission %d saved as %+v, %v", i, got, err)
		}
	}
	if !strings.Contains(logs.String(), "a group of submissions failed; writing them one at a time") ||
		!strings.Contains(logs.String(), "submissions=6") || !strings.Contains(logs.String(), "queue refuses groups") {
		t.Errorf("log: %s", logs.String())
	}
	if queued := jobs.Queued(); len(queued) != 2+len(subs) {
		t.Errorf("%d jobs, want one for each blocker and each submission: %v", len(queued), queued)
	}
}

// Two instances (two stores, each with its own group commit and pool) on one database,
// taking many submissions at once that share mobiles and idempotency keys across them: their
// groups take overlapping locks, and must neither deadlock nor let a duplicate in.
func TestInstancesGroupWithoutDeadlockOrDuplicates(t *testing.T) {
	url := testenv.PostgresURL(t)
	ctx := context.Background()
	var instances []*postgres.Store
	for range 2 {
		st, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		instances = append(instances, st)
	}
	const mobiles, submissions = 6, 300
	results := make([]store.SubmitResult, submissions)
	errs := make([]error, submissions)
	var wg sync.WaitGroup
	for i := range submissions {
		sub := storetest.SubmissionFor(fmt.Sprintf("97000000%02d", i%mobiles))
		if i%3 == 0 { // the same submission retried with its key, to either instance
			sub.IdempotencyKey = fmt.Sprintf("key-%d", i%mobiles)
		}
		wg.Go(func() { results[i], errs[i] = instances[i%2].Submit(ctx, sub) })
	}
	wg.Wait()
	byMobile := map[string]store.SubmitResult{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("submission %d: %v", i, err)
		}
		mobile := results[i].Request.Mobile
		if first, ok := byMobile[mobile]; ok && first.Request.ID != results[i].Request.ID {
			t.Errorf("mobile %s answered with requests %d and %d", mobile, first.Request.ID, results[i].Request.ID)
		}
		byMobile[mobile] = results[i]
	}
	for m := range mobiles {
		mobile := fmt.Sprintf("97000000%02d", m)
		if list, err := instances[0].PublicRequestsByMobile(ctx, mobile, 10); err != nil || len(list) != 1 {
			t.Errorf("mobile %s: %d requests saved, want 1 (%v)", mobile, len(list), err)
		}
	}
}
