package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/storetest"
)

// groupSubmissions holds the writer while the submissions arrive, so that all but the first
// are written as one group, and returns their results in order.
func groupSubmissions(t *testing.T, st *Store, subs []store.Submission, ctxs []context.Context) ([]store.SubmitResult, []error) {
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
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		st.submissions.mu.Lock()
		queued := len(st.submissions.waiting)
		st.submissions.mu.Unlock()
		if queued == len(subs)-1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d submissions queued", queued, len(subs)-1)
		}
	}
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	return results, errs
}

func submissionFor(mobile string) store.Submission {
	r := storetest.NewRequest(mobile, time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC))
	return store.Submission{
		Request: r, NewReference: request.NewReference, Fingerprint: "fp-" + mobile,
		DuplicateSince: r.CreatedAt.Add(-request.DuplicateWindow),
		Notifications: []store.NewNotification{
			{Channel: "sms", Kind: "submitted", Recipient: r.Mobile, Language: r.Language},
			{Channel: "email", Kind: "submitted", Recipient: r.Email, Language: r.Language},
		},
	}
}

// Submissions written together keep the rules between them (duplicates, idempotency keys),
// one that fails or whose caller has gone leaves the others saved, and each new request's
// job is queued in the group's transaction.
func TestGroupedSubmissions(t *testing.T) {
	st := openFile(t, filepath.Join(t.TempDir(), "doorstep.db"))
	defer st.Close()
	var mu sync.Mutex
	var jobs [][]int64
	st.SetEnqueuer(func(ctx context.Context, tx *sql.Tx, queued ...[]int64) error {
		mu.Lock()
		defer mu.Unlock()
		jobs = append(jobs, queued...)
		return nil
	})

	var subs []store.Submission
	for i := range 10 {
		subs = append(subs, submissionFor(fmt.Sprintf("90000000%02d", i))) // new requests
	}
	for range 5 {
		subs = append(subs, submissionFor("9111111111")) // one new request, then duplicates
	}
	for i := range 5 { // one key, different submissions: the first wins, the others are refused
		sub := submissionFor(fmt.Sprintf("92000000%02d", i))
		sub.IdempotencyKey = "key-1"
		subs = append(subs, sub)
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	subs = append(subs, submissionFor("9333333333"))
	ctxs := make([]context.Context, len(subs))
	for i := range ctxs {
		ctxs[i] = context.Background()
	}
	ctxs[len(ctxs)-1] = gone

	results, errs := groupSubmissions(t, st, subs, ctxs)

	ctx := context.Background()
	var newIDs []int64
	for i, res := range results[:10] {
		if errs[i] != nil || res.Duplicate || res.Request.ID == 0 {
			t.Fatalf("submission %d: %+v, %v", i, res, errs[i])
		}
		newIDs = append(newIDs, res.Request.ID)
	}
	var firstOfSame store.SubmitResult
	for i, res := range results[10:15] {
		if errs[10+i] != nil {
			t.Fatalf("same mobile %d: %v", i, errs[10+i])
		}
		if !res.Duplicate {
			if firstOfSame.Request.ID != 0 {
				t.Fatalf("two new requests for one mobile: %d and %d", firstOfSame.Request.ID, res.Request.ID)
			}
			firstOfSame = res
		}
	}
	if firstOfSame.Request.ID == 0 {
		t.Fatal("no new request for the repeated mobile")
	}
	newIDs = append(newIDs, firstOfSame.Request.ID)
	won := 0
	for i, err := range errs[15:20] {
		switch {
		case err == nil:
			won++
			newIDs = append(newIDs, results[15+i].Request.ID)
		case !errors.Is(err, store.ErrIdempotencyKeyReused):
			t.Errorf("reused key %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d submissions with one key saved, want 1", won)
	}
	if !errors.Is(errs[20], context.Canceled) {
		t.Errorf("gone caller: %v", errs[20])
	}
	if list, _ := st.RequestsByMobile(ctx, "9333333333", 10); len(list) != 0 {
		t.Errorf("the gone caller's submission was saved")
	}

	// One job per new request, holding its two notifications.
	var want [][]int64
	for _, id := range newIDs {
		notes, err := st.NotificationsForRequest(ctx, id)
		if err != nil || len(notes) != 2 {
			t.Fatalf("request %d: %d notifications, %v", id, len(notes), err)
		}
		want = append(want, []int64{notes[0].ID, notes[1].ID})
	}
	byFirst := func(a, b []int64) int { return int(a[0] - b[0]) }
	slices.SortFunc(want, byFirst)
	slices.SortFunc(jobs, byFirst)
	if !slices.EqualFunc(jobs, want, slices.Equal) {
		t.Errorf("jobs %v, want %v", jobs, want)
	}
}

// A group is one transaction: when queueing its jobs fails, none of it is saved and every
// caller is told.
func TestGroupFailsTogether(t *testing.T) {
	st := openFile(t, filepath.Join(t.TempDir(), "doorstep.db"))
	defer st.Close()
	broken := errors.New("queue unavailable")
	st.SetEnqueuer(func(context.Context, *sql.Tx, ...[]int64) error { return broken })
	var subs []store.Submission
	for i := range 4 {
		subs = append(subs, submissionFor(fmt.Sprintf("94000000%02d", i)))
	}
	_, errs := groupSubmissions(t, st, subs, nil)
	for i, err := range errs {
		if !errors.Is(err, broken) {
			t.Errorf("submission %d: %v, want the queue's error", i, err)
		}
		if list, _ := st.RequestsByMobile(context.Background(), subs[i].Request.Mobile, 10); len(list) != 0 {
			t.Errorf("submission %d saved without its job", i)
		}
	}
}
