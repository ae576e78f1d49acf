package demo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/demo"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// Fill's requests lie in the period, have histories the desk could have written, route to
// their pincode's Division, and come again with the same seed (but for their references).
func TestFill(t *testing.T) {
	dir := testenv.Directory(t)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	const days = 10
	fill := func(t *testing.T, st store.Store) []request.Request {
		t.Helper()
		ctx := context.Background()
		var progress []int
		res, err := demo.Fill(ctx, st, dir, demo.FillOptions{Requests: 1500, Days: days, Now: now, Seed: 9, Batch: 400,
			Progress: func(n int) { progress = append(progress, n) }})
		if err != nil {
			t.Fatal(err)
		}
		if res.Requests != 1500 || len(progress) != 4 || progress[3] != 1500 || len(res.ByDivision) != len(dir.Divisions()) {
			t.Errorf("filled %d requests in %d Divisions, progress %v", res.Requests, len(res.ByDivision), progress)
		}
		reqs, err := st.DeskRequests(ctx, store.DeskQuery{})
		if err != nil {
			t.Fatal(err)
		}
		return reqs
	}
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		reqs := fill(t, st)
		for _, r := range reqs {
			checkRequest(t, r, now, days*24*time.Hour)
			if a, err := dir.Lookup(r.Pincode); err != nil || a.Division != r.Division || a.Region != r.Region || a.State != r.State {
				t.Errorf("%s: pincode %s in %s; directory: %+v, %v", r.Reference, r.Pincode, r.Division, a, err)
			}
		}
		if _, err := demo.Fill(ctx, st, dir, demo.FillOptions{Requests: 5, Now: now}); !errors.Is(err, demo.ErrHasRequests) {
			t.Errorf("a second fill: %v, want ErrHasRequests", err)
		}

		again := fill(t, testenv.SQLite(t))
		same := len(again) == len(reqs)
		for i := 0; same && i < len(reqs); i++ {
			a, b := reqs[i], again[i]
			same = a.CreatedAt.Equal(b.CreatedAt) && a.Name == b.Name && a.Mobile == b.Mobile && a.Status == b.Status &&
				a.UpdatedAt.Equal(b.UpdatedAt) && a.Reference != b.Reference
		}
		if !same {
			t.Error("the same seed made other requests")
		}
	})
}
