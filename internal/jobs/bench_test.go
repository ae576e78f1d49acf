package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// BenchmarkSubmitWithJob is a submission as the server makes it, notifications and their job
// included (the queue is not started: this is the cost of queueing, not of sending), with 16
// callers per CPU as under the load tool. Pincodes and services vary as under the load tool,
// so that a group's submissions add to different rows of the dashboard's counters.
func BenchmarkSubmitWithJob(b *testing.B) {
	for _, backend := range []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"sqlite", func(b *testing.B) store.Store {
			st := testenv.SQLite(b)
			if _, err := NewSQLite(context.Background(), st, nil, slog.New(slog.DiscardHandler), Options{}); err != nil {
				b.Fatal(err)
			}
			return st
		}},
		{"postgres", func(b *testing.B) store.Store {
			st := testenv.Postgres(b)
			if _, err := NewPostgres(context.Background(), st, nil, slog.New(slog.DiscardHandler), Options{}); err != nil {
				b.Fatal(err)
			}
			return st
		}},
	} {
		b.Run(backend.name, func(b *testing.B) {
			st := backend.open(b)
			dir := testenv.Directory(b)
			in := intake.New(st, dir, catalogue.New(st))
			pincodes := dir.Pincodes()
			slices.Sort(pincodes)
			var n atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					_, err := in.Submit(context.Background(), request.Submission{
						Name: "Asha Devi", Address: "12 Gandhi Road, Connaught Place", Pincode: pincodes[i*7919%int64(len(pincodes))],
						Email: "asha@example.com", Mobile: fmt.Sprintf("9%09d", i), Service: benchServices[i%int64(len(benchServices))],
						Language: "hi"}, "")
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// benchServices are the services a new database offers.
var benchServices = []string{"article_booking", "article_delivery", "emoney_order", "aeps_cash", "ippb_other", "pli_premium", "small_savings"}

// BenchmarkSendBacklog measures how fast one instance's queue sends messages: b.N submissions
// are saved with their SMS and e-mail (the queue stopped), then the queue is started and the
// time until every message is sent is measured. The gateway is an in-process one that accepts
// at once, so this is the queue's own ceiling, not a gateway's.
//
//	go test -run '^$' -bench SendBacklog -benchtime 3000x ./internal/jobs/
func BenchmarkSendBacklog(b *testing.B) {
	for _, backend := range backends {
		b.Run(backend.name, func(b *testing.B) {
			var sent atomic.Int64
			st, q := backend.open(b, countingDeliverer{&sent}, Options{})
			in := intake.New(st, testenv.Directory(b), catalogue.New(st))
			for i := range b.N {
				if _, err := in.Submit(context.Background(), request.Submission{
					Name: "Asha Devi", Address: "12 Gandhi Road, Connaught Place", Pincode: "110001",
					Email: "asha@example.com", Mobile: fmt.Sprintf("9%09d", i), Service: "emoney_order", Language: "hi"}, ""); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			if err := q.Start(context.Background()); err != nil {
				b.Fatal(err)
			}
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				_ = q.Stop(ctx)
			}()
			waitUntil(b, backlogTimeout, "every message of the backlog is sent", func() bool { return sent.Load() >= int64(2*b.N) })
			b.StopTimer()
			b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "messages/s")
		})
	}
}

// backlogTimeout bounds BenchmarkSendBacklog's wait for its messages: far above what the
// documented -benchtime 3000x takes, so that a queue that stops sending fails the benchmark
// rather than hanging it.
const backlogTimeout = 5 * time.Minute

// countingDeliverer accepts every message at once.
type countingDeliverer struct{ sent *atomic.Int64 }

func (d countingDeliverer) Deliver(context.Context, store.Notification, *request.Request) error {
	d.sent.Add(1)
	return nil
}
