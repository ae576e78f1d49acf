package dashboard_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/demo"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/postgres"
	"github.com/doorstep-post/doorstep/internal/store/sqlite"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// benchDatasetsEnv names databases filled by `doorstep demo-data` to measure the views on:
// NAME=TARGET pairs separated by commas, TARGET a SQLite file or a postgres:// URL, e.g.
// "sqlite-1m=/data/dashboard-1m.db,postgres-10m=postgres://postgres@127.0.0.1/bench10m".
// Without it the benchmark fills a SQLite file of 10,000 requests of its own.
const benchDatasetsEnv = "DOORSTEP_BENCH_DASHBOARD"

// The units measured: the nation, the Circle and the Division with the most requests in
// the demo data (weighted by pincodes, metros four times).
var benchUnits = []struct{ name, key string }{
	{"national", "india"},
	{"circle", "circle:Maharashtra Circle"},
	{"division", "division:Secunderabad Division"},
}

// BenchmarkView measures one view of the dashboard, as the page and the API compute it,
// over the last 30 days (the longest named period) and today. It reports the median and
// 99th-percentile time of a view besides the mean.
func BenchmarkView(b *testing.B) {
	ctx := context.Background()
	admin := staff.Account{Username: "bench", Role: staff.RoleAdmin}
	for _, ds := range benchDatasets(b) {
		b.Run(ds.name, func(b *testing.B) {
			st := ds.open(b)
			dir := testenv.Directory(b)
			d := dashboard.New(st, dashboard.NewHierarchy(dir), catalogue.New(st))
			for _, u := range benchUnits {
				for _, period := range []string{dashboard.Period30Days, dashboard.PeriodToday} {
					b.Run(u.name+"/"+period, func(b *testing.B) {
						p, err := dashboard.ParsePeriod(period, "", "", d.Now())
						if err != nil {
							b.Fatal(err)
						}
						if _, err := d.View(ctx, admin, u.key, p); err != nil { // warm the catalogue's cache
							b.Fatal(err)
						}
						times := make([]time.Duration, 0, b.N)
						var received int64
						for b.Loop() {
							start := time.Now()
							f, err := d.View(ctx, admin, u.key, p)
							if err != nil {
								b.Fatal(err)
							}
							times = append(times, time.Since(start))
							received = f.Total.Received
						}
						slices.Sort(times)
						ms := func(q float64) float64 {
							return float64(times[min(len(times)-1, int(q*float64(len(times))))].Microseconds()) / 1000
						}
						b.ReportMetric(ms(0.5), "p50-ms")
						b.ReportMetric(ms(0.99), "p99-ms")
						b.ReportMetric(float64(received), "received")
					})
				}
			}
		})
	}
}

type benchDataset struct {
	name string
	open func(testing.TB) store.Store
}

func benchDatasets(b *testing.B) []benchDataset {
	spec := os.Getenv(benchDatasetsEnv)
	if spec == "" {
		return []benchDataset{{"sqlite-10k-fresh", func(tb testing.TB) store.Store {
			st := testenv.SQLite(tb)
			if _, err := demo.Fill(context.Background(), st, testenv.Directory(tb), demo.FillOptions{Requests: 10_000, Seed: 7}); err != nil {
				tb.Fatal(err)
			}
			return st
		}}}
	}
	var out []benchDataset
	for _, pair := range strings.Split(spec, ",") {
		name, target, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			b.Fatalf("%s: %q is not NAME=TARGET", benchDatasetsEnv, pair)
		}
		out = append(out, benchDataset{name, func(tb testing.TB) store.Store {
			ctx := context.Background()
			var st store.Store
			var err error
			if strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://") {
				st, err = postgres.Open(ctx, target)
			} else {
				st, err = sqlite.Open(ctx, filepath.Clean(target))
			}
			if err != nil {
				tb.Fatal(fmt.Errorf("open %s: %w", name, err))
			}
			tb.Cleanup(func() { st.Close() })
			// A dataset made by an older binary gets the migrations since, as serve would.
			if err := st.(interface {
				Migrate(context.Context, *slog.Logger) error
			}).Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
				tb.Fatal(err)
			}
			return st
		}})
	}
	return out
}
