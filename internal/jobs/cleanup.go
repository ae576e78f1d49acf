package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/doorstep-post/doorstep/internal/store"
)

// CleanupInterval is how often expired sessions, old idempotency keys, used one-time codes and
// dead API tokens are deleted: tables that would otherwise only grow.
const CleanupInterval = time.Hour

// CleanupArgs is the periodic clean-up job.
type CleanupArgs struct{}

// Kind names the job in River's table.
func (CleanupArgs) Kind() string { return "cleanup" }

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	store interface {
		DeleteExpired(ctx context.Context, now time.Time) (store.Deleted, error)
	}
	log *slog.Logger
}

func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	d, err := w.store.DeleteExpired(ctx, time.Now())
	if err != nil {
		return err
	}
	if d != (store.Deleted{}) {
		w.log.InfoContext(ctx, "deleted expired rows", "sessions", d.Sessions, "idempotency_keys", d.IdempotencyKeys,
			"one_time_codes", d.OneTimeCodes, "api_tokens", d.Tokens)
	}
	return nil
}
