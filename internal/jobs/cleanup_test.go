package jobs

import (
	"context"
	"testing"
	"time"
)

// TestCleanupRunsOnStart: the queue deletes expired rows when it starts (and hourly after).
func TestCleanupRunsOnStart(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		st, q := b.open(t, httpDeliverer{}, fastRetries)
		if err := st.CommitSession(ctx, "expired", []byte("x"), time.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := st.CommitSession(ctx, "live", []byte("x"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		countRows := func() int {
			n := 0
			for _, token := range []string{"expired", "live"} {
				// FindSession hides expired rows; DeleteExpired at a past time counts what is left.
				if _, found, _ := st.FindSession(ctx, token, time.Now().Add(-2*time.Minute)); found {
					n++
				}
			}
			return n
		}
		if countRows() != 2 {
			t.Fatal("sessions not saved")
		}
		start(t, q)
		waitUntil(t, 20*time.Second, "the expired session is deleted after the queue started", func() bool { return countRows() == 1 })
		if _, found, _ := st.FindSession(ctx, "live", time.Now()); !found {
			t.Error("the live session was deleted")
		}
	})
}
