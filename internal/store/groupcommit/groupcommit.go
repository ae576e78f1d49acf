// Package groupcommit writes work that arrives together in one transaction. Most of a
// submission's cost is per transaction, not per row: the commit's flush to disk, the round
// trips, and the job that sends its messages. Callers that arrive while a group is being
// written wait, and are then written together; each is answered only after the commit that
// holds its work, so "saved" still means committed. Nothing waits on purpose: work arriving
// at an idle queue is written at once, alone.
package groupcommit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultDeadline bounds the writing of a group: a database that hangs must not hold its
// callers without end. A caller then hears that its work may not be saved (ErrDeadline),
// never that it was when it was not.
const DefaultDeadline = 10 * time.Second

// ErrDeadline is a group's error when its writing took longer than the queue's deadline.
// The work may or may not have been committed: a caller that tries again is answered from
// what was saved (an idempotency key, the duplicate rule).
var ErrDeadline = errors.New("the database did not answer in time")

// Call is one caller's work in a group, and the answer the writer gives it.
type Call[In, Out any] struct {
	// Ctx is the caller's context. The group is written under a context that no caller can
	// cancel (one leaving must not roll back the others); a writer skips a call whose Ctx
	// has ended before its work starts.
	Ctx context.Context
	In  In
	Out Out
	Err error

	lead  chan struct{} // closed when this caller is to write group
	group []*Call[In, Out]
	done  chan struct{} // closed when Out and Err are final
}

// WriteFunc writes a group and sets each call's Out or Err. A call left with neither set
// after an error return gets that error.
type WriteFunc[In, Out any] func(ctx context.Context, group []*Call[In, Out]) error

// Queue gathers calls into groups. The zero value is not usable; use New.
type Queue[In, Out any] struct {
	write    WriteFunc[In, Out]
	maxGroup int
	writers  int           // groups written at once, at most
	deadline time.Duration // for writing one group

	mu      sync.Mutex
	waiting []*Call[In, Out]
	busy    int // groups being written now
}

// New returns a queue that writes groups of at most maxGroup calls, with up to writers groups
// being written at once (1 for a database with a single writer).
func New[In, Out any](maxGroup, writers int, write WriteFunc[In, Out]) *Queue[In, Out] {
	return &Queue[In, Out]{write: write, maxGroup: max(maxGroup, 1), writers: max(writers, 1), deadline: DefaultDeadline}
}

// SetDeadline sets how long writing one group may take (DefaultDeadline unless set); call
// it before the first Do.
func (q *Queue[In, Out]) SetDeadline(d time.Duration) { q.deadline = d }

// Do queues in and returns its answer once the group holding it is committed (or failed).
func (q *Queue[In, Out]) Do(ctx context.Context, in In) (Out, error) {
	c := &Call[In, Out]{Ctx: ctx, In: in, lead: make(chan struct{}), done: make(chan struct{})}
	q.mu.Lock()
	q.waiting = append(q.waiting, c)
	// Calls wait only while every writer is busy, so a caller that finds one free is alone.
	lead := q.busy < q.writers
	if lead {
		q.busy++
		c.group = q.take()
	}
	q.mu.Unlock()
	if !lead {
		// No giving up on ctx here: the call may already be in a group being written, and a
		// caller handed the lead must write its group.
		select {
		case <-c.done:
			return c.Out, c.Err
		case <-c.lead:
		}
	}
	defer q.handOver() // even after a panic, or the queue would stop taking work
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), q.deadline)
	defer cancel()
	q.writeGroup(wctx, c.group)
	return c.Out, c.Err
}

// take removes the next group from the waiting calls; q.mu is held.
func (q *Queue[In, Out]) take() []*Call[In, Out] {
	group := q.waiting[:min(len(q.waiting), q.maxGroup):min(len(q.waiting), q.maxGroup)]
	q.waiting = q.waiting[len(group):]
	return group
}

// Writing counts the groups being written.
func (q *Queue[In, Out]) Writing() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.busy
}

// Waiting counts the calls waiting for a writer.
func (q *Queue[In, Out]) Waiting() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.waiting)
}

// handOver gives the next group to its first caller to write, or frees the writer.
func (q *Queue[In, Out]) handOver() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.waiting) == 0 {
		q.busy--
		return
	}
	group := q.take()
	group[0].group = group
	close(group[0].lead)
}

var errNotWritten = errors.New("groupcommit: not written")

func (q *Queue[In, Out]) writeGroup(ctx context.Context, group []*Call[In, Out]) {
	err := errNotWritten // unless write returns
	defer func() {
		for _, c := range group {
			if err != nil {
				var zero Out
				c.Out = zero
				if c.Err == nil {
					c.Err = err
				}
			}
			close(c.done)
		}
	}()
	err = q.write(ctx, group)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		// Whatever the write said, it ran out of time: none of its answers is to be
		// trusted as saved.
		err = fmt.Errorf("%w: %w", ErrDeadline, cmp.Or(err, ctx.Err()))
		for _, c := range group {
			c.Err = nil
		}
	}
}
