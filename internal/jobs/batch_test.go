package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/postgres"
	"github.com/doorstep-post/doorstep/internal/store/sqlite"
)

// One job holding the messages of a group of submissions, as group commit queues them:
// every message reaches the gateway with its own request's reference, a few at a time (no
// more than Options.Sends); a message the gateway refuses once is sent again on the retry,
// and only it.
func TestOneJobSendsAGroupOfSubmissions(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		const sends = 3
		var inFlight, mostInFlight atomic.Int64
		var mu sync.Mutex
		accepted := map[string][]string{} // message id -> references of the messages accepted
		refused := map[string]bool{}
		gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for m := mostInFlight.Load(); n > m && !mostInFlight.CompareAndSwap(m, n); m = mostInFlight.Load() {
			}
			time.Sleep(20 * time.Millisecond) // long enough for sends to overlap
			var m struct{ ID, To, Reference string }
			if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			// Mobiles ending in 7 are refused once.
			if strings.HasSuffix(m.To, "7") && !refused[m.ID] {
				refused[m.ID] = true
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			accepted[m.ID] = append(accepted[m.ID], m.Reference)
		}))
		defer gw.Close()

		st, q := b.open(t, httpDeliverer{gw.URL}, Options{Sends: sends,
			RetryDelay: func(int) time.Duration { return 50 * time.Millisecond }, PollInterval: 20 * time.Millisecond})
		// The submissions are saved without jobs; then one job is queued for all of them.
		ctx := context.Background()
		var requests []request.Request
		var ids []int64
		withoutQueue(st, func() {
			for i := range 10 {
				req := submit(t, st, fmt.Sprintf("98765432%02d", 10+i))
				notes, err := st.NotificationsForRequest(ctx, req.ID)
				if err != nil || len(notes) != 2 {
					t.Fatalf("notifications %+v, %v", notes, err)
				}
				requests = append(requests, req)
				ids = append(ids, notes[0].ID, notes[1].ID)
			}
		})
		enqueueOne(t, st, q, ids)
		start(t, q)

		for _, req := range requests {
			notes := waitFor(t, st, req.ID, allIn(store.NotificationSent))
			for _, n := range notes {
				mu.Lock()
				references := accepted[n.MessageID()]
				mu.Unlock()
				if len(references) != 1 || references[0] != string(req.Reference) {
					t.Errorf("request %s, %s: gateway accepted %q", req.Reference, n.Channel, references)
				}
				wantAttempts := 1
				if n.Channel == "sms" && strings.HasSuffix(req.Mobile, "7") {
					wantAttempts = 2
				}
				if n.Attempts != wantAttempts {
					t.Errorf("request %s, %s: %d attempts, want %d", req.Mobile, n.Channel, n.Attempts, wantAttempts)
				}
			}
		}
		if m := mostInFlight.Load(); m < 2 || m > sends {
			t.Errorf("at most %d messages were sent at once, want 2 to %d", m, sends)
		}
	})
}

// withoutQueue runs fn with the store's job hook disconnected: what it saves queues no job.
func withoutQueue(st store.Store, fn func()) {
	switch st := st.(type) {
	case *sqlite.Store:
		e := st.Enqueuer()
		st.SetEnqueuer(nil)
		defer st.SetEnqueuer(e)
	case *postgres.Store:
		e := st.Enqueuer()
		st.SetEnqueuer(nil)
		defer st.SetEnqueuer(e)
	}
	fn()
}

// enqueueOne queues one job for the notifications, in a transaction of its own.
func enqueueOne(t *testing.T, st store.Store, q *Queue, ids []int64) {
	t.Helper()
	ctx := context.Background()
	switch st := st.(type) {
	case *sqlite.Store:
		tx, err := st.Writer().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.enqueueSQLite(ctx, tx, ids); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	case *postgres.Store:
		tx, err := st.Pool().Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.enqueuePostgres(ctx, tx, ids); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
