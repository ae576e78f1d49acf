package store

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/doorstep-post/doorstep/internal/dashboard"
)

// What a new request adds to the dashboard's counters (dashboard.Tally.Submitted) follows
// from the request row alone, so the backends do not write it with the submission: the
// counters' rows are few and shared (the nation's, a Circle's), and every group of
// submissions adding to them cost SQLite's single writer, and PostgreSQL's writers waiting
// on each other's row locks, much of their throughput. A backend keeps which requests are
// not yet counted ("unfolded"), and a fold adds them to the counters and marks them
// counted, in one transaction, after every FoldEvery submissions. Every read of the
// counters adds the unfolded requests, read in the same snapshot, so that a view, a check
// and a recount see exactly what the changes made, folded or not. Changes of status still
// write the counters in their own transaction: what they add does not depend on whether
// the submission was folded, since counts add up in any order.

// FoldEvery is how many submissions start a fold. A fold merges them, so rows that many
// requests share are written once; reads add at most about this many unfolded requests
// per instance.
const FoldEvery = 1000

// Folder runs a backend's folds on a goroutine of its own, woken by the submissions.
type Folder struct {
	fold     func(context.Context) error
	failed   func(error)
	unfolded atomic.Int64 // submissions since the last fold started
	wake     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// NewFolder starts a folder that runs fold, and tells failed of a fold that failed.
func NewFolder(fold func(context.Context) error, failed func(error)) *Folder {
	f := &Folder{fold: fold, failed: failed, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		for {
			select {
			case <-f.stop:
				return
			case <-f.wake:
				f.unfolded.Store(0)
				if err := f.fold(context.Background()); err != nil {
					// Nothing is lost: the requests stay unfolded, counted by every read,
					// and the next fold takes them.
					f.failed(err)
				}
			}
		}
	}()
	return f
}

// Submitted tells the folder of n new requests.
func (f *Folder) Submitted(n int) {
	if f.unfolded.Add(int64(n)) >= FoldEvery {
		select {
		case f.wake <- struct{}{}:
		default: // one is already due
		}
	}
}

// Close stops the folder, after the fold it may be running.
func (f *Folder) Close() {
	f.stopOnce.Do(func() { close(f.stop) })
	<-f.done
}

// WithUnfoldedDays adds, to the rows DashboardDays read, the daily rows of the unfolded
// requests' tally t among those it asks for (unit's per service, children's of all
// services, days from to to).
func WithUnfoldedDays(rows []dashboard.DayRow, t *dashboard.Tally, unit string, children []string, from, to dashboard.Day) []dashboard.DayRow {
	extra := t.Days()
	if len(extra) == 0 {
		return rows
	}
	child := make(map[string]bool, len(children))
	for _, c := range children {
		child[c] = true
	}
	at := make(map[dashboard.DayKey]int, len(rows))
	for i, r := range rows {
		at[r.DayKey] = i
	}
	for _, r := range extra {
		asked := r.Day >= from && r.Day <= to &&
			(r.Unit == unit && r.Service != dashboard.AllServices || child[r.Unit] && r.Service == dashboard.AllServices)
		if !asked {
			continue
		}
		i, ok := at[r.DayKey]
		if !ok {
			rows = append(rows, dashboard.DayRow{DayKey: r.DayKey})
			i = len(rows) - 1
			at[r.DayKey] = i
		}
		rows[i].Received += r.Received // a submission counts nothing else
	}
	return rows
}

// Unfolded adds the open rows of the unfolded requests' tally t of these units.
func (o *OpenSumsBuilder) Unfolded(t *dashboard.Tally, units []string, bounds []dashboard.Hour) {
	asked := make(map[string]bool, len(units))
	for _, u := range units {
		asked[u] = true
	}
	before := make([]int64, len(bounds))
	for _, r := range t.Open() {
		if !asked[r.Unit] {
			continue
		}
		for i, b := range bounds {
			before[i] = 0
			if r.Hour < b {
				before[i] = r.Open
			}
		}
		o.Day(r.Unit, r.Service, r.Open, before)
	}
}

// WithUnfolded is the stored counters t with the unfolded requests' tally added, as a check
// compares them with a recount.
func WithUnfolded(t, unfolded *dashboard.Tally) *dashboard.Tally {
	t.Merge(unfolded)
	t.AddOpenDays(unfolded.OpenDays())
	return t
}
