package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// BenchmarkSubmitWithJob is a submission as the server makes it, notifications and their job
// included (the queue is not started: this is the cost of queueing, not of sending), with 16
// callers per CPU as under the load tool.
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
			in := intake.New(backend.open(b), testenv.Directory(b))
			var n atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_, err := in.Submit(context.Background(), request.Submission{
						Name: "Asha Devi", Address: "12 Gandhi Road, Connaught Place", Pincode: "110001",
						Email: "asha@example.com", Mobile: fmt.Sprintf("9%09d", n.Add(1)), Service: "emoney_order",
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
