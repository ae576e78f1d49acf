package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/doorstep-post/doorstep/internal/store"
)

// Group commit. Most of a submission's time on this backend is its commit: the fsync that
// makes it survive a power cut, and the single writer connection waits for it. Submissions
// that arrive while one is being written therefore wait, and are then written together in one
// transaction with one commit. Each caller is answered only after the commit that holds its
// submission, so "saved" still means on disk, and each submission runs in a savepoint of its
// own, so one that fails leaves the others alone. Nothing waits on purpose: a submission
// arriving at an idle store is written at once, alone.

// maxGroup bounds a group, keeping its transaction, and so the others' wait for the writer,
// short.
const maxGroup = 64

type submissionQueue struct {
	mu      sync.Mutex
	waiting []*pendingSubmission
	writing bool // a caller is writing a group; the next is handed over when it is done
}

type pendingSubmission struct {
	ctx  context.Context
	sub  store.Submission
	lead chan struct{} // closed when this caller is to write the next group
	done chan struct{} // closed when res and err are final
	res  store.SubmitResult
	err  error
}

// Submit implements store.Store.
func (s *Store) Submit(ctx context.Context, sub store.Submission) (store.SubmitResult, error) {
	p := &pendingSubmission{ctx: ctx, sub: sub, lead: make(chan struct{}), done: make(chan struct{})}
	q := &s.submissions
	q.mu.Lock()
	q.waiting = append(q.waiting, p)
	lead := !q.writing
	q.writing = true
	q.mu.Unlock()
	if !lead {
		// No giving up on ctx here: the submission may already be in a group being written,
		// and a caller handed the lead must write the next group.
		select {
		case <-p.done:
			return p.res, p.err
		case <-p.lead:
		}
	}

	q.mu.Lock()
	group := q.waiting[:min(len(q.waiting), maxGroup)] // p is first
	q.waiting = q.waiting[len(group):]
	q.mu.Unlock()
	defer q.handOver() // even after a panic, or the store would stop taking submissions
	s.writeGroup(context.WithoutCancel(ctx), group)
	return p.res, p.err
}

// handOver makes the first waiting caller write the next group.
func (q *submissionQueue) handOver() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.waiting) > 0 {
		close(q.waiting[0].lead)
	} else {
		q.writing = false
	}
}

// writeGroup writes the group in one transaction and answers each of its callers. ctx must
// not be cancelled by one caller leaving: an interrupted statement could roll back everyone's.
func (s *Store) writeGroup(ctx context.Context, group []*pendingSubmission) {
	err := errors.New("sqlite: submission not written") // unless writeGroupTx returns
	defer func() {
		for _, p := range group {
			if err != nil {
				p.res = store.SubmitResult{}
				if p.err == nil {
					p.err = err
				}
			}
			close(p.done)
		}
	}()
	err = s.writeGroupTx(ctx, group)
}

func (s *Store) writeGroupTx(ctx context.Context, group []*pendingSubmission) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var jobs [][]int64
	for _, p := range group {
		if p.err = p.ctx.Err(); p.err != nil {
			continue // its caller has gone: not written
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT submission"); err != nil {
			return fmt.Errorf("sqlite: savepoint: %w", err)
		}
		var ids []int64
		p.res, ids, p.err = s.submitTx(ctx, tx, p.sub)
		if p.err != nil {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO submission"); err != nil {
				return fmt.Errorf("sqlite: roll back a submission: %w", err)
			}
		} else if len(ids) > 0 {
			jobs = append(jobs, ids)
		}
		if _, err := tx.ExecContext(ctx, "RELEASE submission"); err != nil {
			return fmt.Errorf("sqlite: release savepoint: %w", err)
		}
	}
	// One statement queues the jobs of the whole group.
	if err := s.queue(ctx, tx, jobs...); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}
