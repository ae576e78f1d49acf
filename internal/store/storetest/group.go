package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// SubmissionFor is a new request for mobile with its SMS and e-mail, as intake makes it.
func SubmissionFor(mobile string) store.Submission {
	r := NewRequest(mobile, base)
	return store.Submission{
		Request: r, NewReference: request.NewReference, Fingerprint: "fp-" + mobile,
		DuplicateSince: r.CreatedAt.Add(-request.DuplicateWindow),
		Notifications: []store.NewNotification{
			{Channel: "sms", Kind: "submitted", Recipient: r.Mobile, Language: r.Language},
			{Channel: "email", Kind: "submitted", Recipient: r.Email, Language: r.Language},
		},
	}
}

// GroupWriter submits subs (under ctxs) so that they are written together, as group commit
// does under load, and returns their answers in order.
type GroupWriter func(t *testing.T, subs []store.Submission, ctxs []context.Context) ([]store.SubmitResult, []error)

// GroupedSubmissions checks that submissions written together keep the rules between them
// (duplicates, idempotency keys), that one that fails or whose caller has gone leaves the
// others saved, and that every new request's notifications are queued in exactly one of at
// most maxJobs jobs. queued returns the jobs' notification ids queued so far.
func GroupedSubmissions(t *testing.T, st store.Store, write GroupWriter, queued func() [][]int64, maxJobs int) {
	var subs []store.Submission
	for i := range 10 {
		subs = append(subs, SubmissionFor(fmt.Sprintf("90000000%02d", i))) // new requests
	}
	for range 5 {
		subs = append(subs, SubmissionFor("9111111111")) // one new request, then duplicates
	}
	for i := range 5 { // one key, different submissions: the first wins, the others are refused
		sub := SubmissionFor(fmt.Sprintf("92000000%02d", i))
		sub.IdempotencyKey = "key-1"
		subs = append(subs, sub)
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	subs = append(subs, SubmissionFor("9333333333"))
	ctxs := make([]context.Context, len(subs))
	for i := range ctxs {
		ctxs[i] = context.Background()
	}
	ctxs[len(ctxs)-1] = gone

	results, errs := write(t, subs, ctxs)

	ctx := context.Background()
	var newIDs []int64
	for i, res := range results[:10] {
		if errs[i] != nil || res.Duplicate || res.Request.ID == 0 || res.Request.Reference == "" {
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
	for i, res := range results[10:15] {
		if res.Request.ID != firstOfSame.Request.ID || res.Request.Reference != firstOfSame.Request.Reference {
			t.Errorf("same mobile %d answered with request %d, want %d", i, res.Request.ID, firstOfSame.Request.ID)
		}
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
	if list, _ := st.PublicRequestsByMobile(ctx, "9333333333", 10); len(list) != 0 {
		t.Errorf("the gone caller's submission was saved")
	}

	jobs := queued()
	if len(jobs) > maxJobs {
		t.Errorf("%d jobs, want at most %d: %v", len(jobs), maxJobs, jobs)
	}
	inJobs := map[int64]int{}
	for _, id := range slices.Concat(jobs...) {
		inJobs[id]++
	}
	for _, id := range newIDs {
		notes, err := st.NotificationsForRequest(ctx, id)
		if err != nil || len(notes) != 2 {
			t.Fatalf("request %d: %d notifications, %v", id, len(notes), err)
		}
		for _, n := range notes {
			if inJobs[n.ID] != 1 {
				t.Errorf("notification %d of request %d is in %d jobs, want 1", n.ID, id, inJobs[n.ID])
			}
		}
	}
}

// Jobs records what a store's job hook is given, for a test.
type Jobs struct {
	mu   sync.Mutex
	jobs [][]int64
}

// Add records one job's notification ids.
func (j *Jobs) Add(ids []int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.jobs = append(j.jobs, ids)
}

// Queued returns the jobs recorded so far.
func (j *Jobs) Queued() [][]int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.jobs)
}

// WaitUntil polls cond every millisecond for up to 10 s, failing the test if it never holds.
func WaitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
	}
}
