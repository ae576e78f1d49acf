package groupcommit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Many callers at once: every one gets its own answer, groups respect their bound, no more
// than the allowed number of groups are written at once, and some calls were in fact grouped.
func TestEveryCallIsAnsweredFromItsOwnGroup(t *testing.T) {
	const callers, maxGroup, writers = 500, 8, 2
	var busy, maxBusy, groups, largest atomic.Int64
	q := New(maxGroup, writers, func(ctx context.Context, group []*Call[int, int]) error {
		if n := busy.Add(1); n > maxBusy.Load() {
			maxBusy.Store(n)
		}
		defer busy.Add(-1)
		groups.Add(1)
		if n := int64(len(group)); n > largest.Load() {
			largest.Store(n)
		}
		if len(group) > maxGroup {
			t.Errorf("group of %d, bound %d", len(group), maxGroup)
		}
		time.Sleep(time.Millisecond) // a commit
		for _, c := range group {
			c.Out = c.In * 2
		}
		return nil
	})
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			out, err := q.Do(context.Background(), i)
			if err != nil || out != i*2 {
				t.Errorf("call %d answered %d, %v", i, out, err)
			}
		})
	}
	wg.Wait()
	if maxBusy.Load() > writers {
		t.Errorf("%d groups written at once, at most %d allowed", maxBusy.Load(), writers)
	}
	if largest.Load() < 2 || groups.Load() >= callers {
		t.Errorf("%d groups for %d calls, largest %d: nothing was grouped", groups.Load(), callers, largest.Load())
	}
}

// A failed write fails every call of its group that has no error of its own; a call's own
// error is kept; the next group is unaffected.
func TestAFailedGroupFailsItsCalls(t *testing.T) {
	broken := errors.New("disk full")
	own := errors.New("idempotency key reused")
	fail := true
	q := New(10, 1, func(ctx context.Context, group []*Call[string, string]) error {
		for _, c := range group {
			if c.In == "own" {
				c.Err = own
				continue
			}
			c.Out = "saved " + c.In
		}
		if fail {
			return broken
		}
		return nil
	})
	if out, err := q.Do(context.Background(), "a"); !errors.Is(err, broken) || out != "" {
		t.Errorf("failed group answered %q, %v; want no answer and the write's error", out, err)
	}
	if _, err := q.Do(context.Background(), "own"); !errors.Is(err, own) {
		t.Errorf("own error replaced: %v", err)
	}
	fail = false
	if out, err := q.Do(context.Background(), "b"); err != nil || out != "saved b" {
		t.Errorf("after a failed group: %q, %v", out, err)
	}
}

// A writer that panics does not stop the queue.
func TestAPanickingWriteFreesTheQueue(t *testing.T) {
	q := New(10, 1, func(ctx context.Context, group []*Call[int, int]) error {
		if group[0].In == 0 {
			panic("bug")
		}
		group[0].Out = 1
		return nil
	})
	func() {
		defer func() { _ = recover() }()
		_, _ = q.Do(context.Background(), 0)
	}()
	done := make(chan int)
	go func() {
		out, _ := q.Do(context.Background(), 1)
		done <- out
	}()
	select {
	case out := <-done:
		if out != 1 {
			t.Errorf("answer %d", out)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the queue stopped after a panic")
	}
}

// TestAGroupPastItsDeadlineFails: a write that hangs (a database that does not answer) or
// that answers only after the deadline leaves its callers with ErrDeadline and no answer
// that says saved; the queue then takes work again.
func TestAGroupPastItsDeadlineFails(t *testing.T) {
	for _, c := range []struct {
		name  string
		write WriteFunc[int, int]
	}{
		{"hangs", func(ctx context.Context, group []*Call[int, int]) error {
			<-ctx.Done() // as a driver does, it gives up when its context ends
			return ctx.Err()
		}},
		{"answers late", func(ctx context.Context, group []*Call[int, int]) error {
			<-ctx.Done()
			for _, c := range group {
				c.Out = c.In
			}
			return nil
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			hang := true
			q := New(8, 1, func(ctx context.Context, group []*Call[int, int]) error {
				if hang {
					return c.write(ctx, group)
				}
				for _, c := range group {
					c.Out = c.In
				}
				return nil
			})
			q.SetDeadline(50 * time.Millisecond)
			out, err := q.Do(context.Background(), 7)
			if !errors.Is(err, ErrDeadline) || out != 0 {
				t.Fatalf("Do = %d, %v; want 0 and ErrDeadline", out, err)
			}
			hang = false
			if out, err := q.Do(context.Background(), 8); err != nil || out != 8 {
				t.Errorf("after the deadline: %d, %v", out, err)
			}
		})
	}
}
