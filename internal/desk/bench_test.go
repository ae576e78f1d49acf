package desk_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/postgres"
	"github.com/doorstep-post/doorstep/internal/store/storetest"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// deskRows is how many requests the benchmark's Division holds: the issue asks for the desk to
// be fast with 100,000.
const deskRows = 100_000

// BenchmarkDeskList measures the desk's queries on a Division with deskRows requests spread
// over a year in every status, on each backend. Seeding takes a minute or two per backend.
//
//	go test -run '^$' -bench DeskList -benchtime 200x ./internal/desk/
func BenchmarkDeskList(b *testing.B) {
	for _, backend := range testenv.Backends {
		b.Run(backend.Name, func(b *testing.B) {
			st := backend.Open(b)
			seedDivision(b, st, deskRows)
			if pg, ok := st.(*postgres.Store); ok {
				// What autovacuum does to a table in use: statistics for the planner and the
				// visibility map for index-only counts. Straight after a bulk load it has not.
				if _, err := pg.Pool().Exec(context.Background(), "VACUUM ANALYZE requests"); err != nil {
					b.Fatal(err)
				}
			}
			d := desk.New(st, testenv.Directory(b), catalogue.New(st))
			ctx := context.Background()
			actor := desk.Actor{Account: staff.Account{Username: "agra", Role: staff.RoleDivision, Unit: "Agra Division"}}
			first, err := d.List(ctx, actor, desk.Filter{Statuses: request.OpenStatuses, Limit: 50})
			if err != nil || len(first.Requests) != 50 {
				b.Fatalf("first page: %d, %v", len(first.Requests), err)
			}
			for _, c := range []struct{ name, query string }{
				{"open-oldest-first", ""},
				{"open-page-after", "after=" + first.Next},
				{"all-newest-first", "status=all&order=newest"},
				{"completed-last-month", "status=completed&from=2026-10-01&to=2026-10-31"},
				{"search-name", "q=devi&status=all"},
				{"search-mobile", "q=9800001234&status=all"},
			} {
				v, _ := url.ParseQuery(c.query)
				f, errs := desk.ParseFilter(v)
				if len(errs) > 0 {
					b.Fatal(errs)
				}
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						if _, err := d.List(ctx, actor, f); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// seedDivision saves n requests in Agra Division over the year before 2026-11-27, a sixth of
// them still open, through the store (as intake would, without messages), 8 at a time.
func seedDivision(b *testing.B, st store.Store, n int) {
	b.Helper()
	ctx := context.Background()
	end := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	names := []string{"Kamla Devi", "Ramesh Kumar", "Sunita Devi", "Mohd. Aslam", "Priya Sharma", "Suresh Yadav"}
	var wg sync.WaitGroup
	next := make(chan int)
	errs := make(chan error, 1)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				rng := rand.New(rand.NewPCG(uint64(i), 7))
				r := storetest.NewRequest(fmt.Sprintf("98%08d", i), end.Add(-time.Duration(rng.Int64N(int64(365*24*time.Hour)))))
				r.Name, r.Pincode, r.Division, r.Region, r.Circle = names[i%len(names)], "282001", "Agra Division", "Agra Region", "Uttar Pradesh Circle"
				res, err := st.Submit(ctx, store.Submission{Request: r, NewReference: request.NewReference})
				if err == nil && i%6 != 0 {
					to := []request.Status{request.StatusCompleted, request.StatusNotServiceable, request.StatusCancelled}[i%3]
					if to == request.StatusCompleted {
						_, err = st.ChangeStatus(ctx, store.StatusChange{RequestID: res.Request.ID, From: request.StatusSubmitted,
							Change: request.Change{To: request.StatusInProgress}, At: r.CreatedAt.Add(time.Hour)})
						res.Request.Status = request.StatusInProgress
					}
					if err == nil {
						_, err = st.ChangeStatus(ctx, store.StatusChange{RequestID: res.Request.ID, From: res.Request.Status,
							Change: request.Change{To: to, Remarks: "seeded"}, At: r.CreatedAt.Add(2 * time.Hour)})
					}
				}
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
			}
		})
	}
	for i := range n {
		select {
		case err := <-errs:
			b.Fatal(err)
		case next <- i:
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
}
