package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/groupcommit"
)

// Group commit (package groupcommit): submissions that arrive while one is being written are
// written together, in one transaction with one commit (one fsync: most of a submission's
// time on this backend). Each submission runs in a savepoint of its own, so one that fails
// leaves the others alone.

// maxGroup bounds a group, keeping its transaction, and so the others' wait for the writer,
// short.
const maxGroup = 64

// newSubmissionQueue: one group at a time, as SQLite has one writer.
func (s *Store) newSubmissionQueue() *groupcommit.Queue[store.Submission, store.SubmitResult] {
	return groupcommit.New(maxGroup, 1, s.writeGroup)
}

// Submit implements store.Store.
func (s *Store) Submit(ctx context.Context, sub store.Submission) (store.SubmitResult, error) {
	return s.submissions.Do(ctx, sub)
}

// writeGroup writes the group in one transaction, each submission in a savepoint of its own,
// and queues one job for all their notifications.
func (s *Store) writeGroup(ctx context.Context, group []*groupcommit.Call[store.Submission, store.SubmitResult]) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var notificationIDs []int64
	made := 0 // new requests, for the dashboard's fold (fold.go)
	for _, c := range group {
		if c.Err = c.Ctx.Err(); c.Err != nil {
			continue // its caller has gone: not written
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT submission"); err != nil {
			return fmt.Errorf("sqlite: savepoint: %w", err)
		}
		var ids []int64
		c.Out, ids, c.Err = s.submitTx(ctx, tx, c.In)
		if c.Err != nil {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO submission"); err != nil {
				return fmt.Errorf("sqlite: roll back a submission: %w", err)
			}
		} else {
			notificationIDs = append(notificationIDs, ids...)
			if !c.Out.Duplicate && !c.Out.Replayed {
				made++
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE submission"); err != nil {
			return fmt.Errorf("sqlite: release savepoint: %w", err)
		}
	}
	// One job sends the messages of the whole group: the queue's work (fetching, recording
	// outcomes, completing) is then per group too, not per submission.
	if err := s.queue(ctx, tx, notificationIDs); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	s.folder.Submitted(made)
	return nil
}

// SetSubmitDeadline sets how long a group of submissions may take to be written before its
// callers hear that the database did not answer (store.ErrUnavailable); the default is
// groupcommit.DefaultDeadline. Call it before serving.
func (s *Store) SetSubmitDeadline(d time.Duration) { s.submissions.SetDeadline(d) }
