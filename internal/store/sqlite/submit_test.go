package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/storetest"
)

// groupSubmissions holds the writer while the submissions arrive, so that all but the first
// are written as one group, and returns their results in order.
func groupSubmissions(st *Store) storetest.GroupWriter {
	return func(t *testing.T, subs []store.Submission, ctxs []context.Context) ([]store.SubmitResult, []error) {
		t.Helper()
		hold, err := st.writer.BeginTx(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		results, errs := make([]store.SubmitResult, len(subs)), make([]error, len(subs))
		var wg sync.WaitGroup
		for i := range subs {
			ctx := context.Background()
			if ctxs != nil {
				ctx = ctxs[i]
			}
			wg.Go(func() { results[i], errs[i] = st.Submit(ctx, subs[i]) })
		}
		// The first caller leads and waits for the writer; the others queue behind it.
		storetest.WaitUntil(t, "submissions queued", func() bool { return st.submissions.Waiting() == len(subs)-1 })
		if err := hold.Rollback(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		return results, errs
	}
}

// Submissions written together keep the rules between them; each group queues one job.
func TestGroupedSubmissions(t *testing.T) {
	st := openFile(t, filepath.Join(t.TempDir(), "doorstep.db"))
	defer st.Close()
	var jobs storetest.Jobs
	st.SetEnqueuer(func(ctx context.Context, tx *sql.Tx, ids []int64) error {
		jobs.Add(ids)
		return nil
	})
	// Two groups: the first submission, written alone, and the group behind it.
	storetest.GroupedSubmissions(t, st, groupSubmissions(st), jobs.Queued, 2)
}

// A group is one transaction: when queueing its jobs fails, none of it is saved and every
// caller is told.
func TestGroupFailsTogether(t *testing.T) {
	st := openFile(t, filepath.Join(t.TempDir(), "doorstep.db"))
	defer st.Close()
	broken := errors.New("queue unavailable")
	st.SetEnqueuer(func(context.Context, *sql.Tx, []int64) error { return broken })
	var subs []store.Submission
	for i := range 4 {
		subs = append(subs, storetest.SubmissionFor(fmt.Sprintf("94000000%02d", i)))
	}
	_, errs := groupSubmissions(st)(t, subs, nil)
	for i, err := range errs {
		if !errors.Is(err, broken) {
			t.Errorf("submission %d: %v, want the queue's error", i, err)
		}
		if list, _ := st.PublicRequestsByMobile(context.Background(), subs[i].Request.Mobile, 10); len(list) != 0 {
			t.Errorf("submission %d saved without its job", i)
		}
	}
}
