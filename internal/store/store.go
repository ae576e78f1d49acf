// Package store defines what Doorstep keeps in its database. Each backend (sqlite, and
// postgres beside it) implements Store with its own SQL and migrations; nothing above this
// package knows which one is underneath.
package store

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
)

// Errors every backend returns for the same situations.
var (
	// ErrNotFound: no row matches.
	ErrNotFound = errors.New("store: not found")
	// ErrIdempotencyKeyReused: an idempotency key was sent again with a different request.
	ErrIdempotencyKeyReused = errors.New("store: idempotency key reused for a different request")
)

// Store is the persistence Doorstep needs. Every method is safe for concurrent use.
type Store interface {
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database; it waits for nothing else.
	Close() error

	// Services lists the whole catalogue, active or not, in display order.
	Services(ctx context.Context) ([]request.Service, error)
	// SetServiceActive switches a service on or off; ErrNotFound for an unknown code.
	SetServiceActive(ctx context.Context, code string, active bool) error

	// Submit saves a new request and its first history entry in one transaction, unless the
	// idempotency key was seen before (the earlier request is returned) or an open request
	// with the same mobile, service and pincode exists since DuplicateSince (that one is
	// returned). Concurrent identical submissions yield one request.
	Submit(ctx context.Context, sub Submission) (SubmitResult, error)

	// RequestByReference returns one request with its history, or ErrNotFound.
	RequestByReference(ctx context.Context, ref request.Reference) (request.Request, error)
	// RequestsByMobile returns a mobile's requests with their history, newest first.
	RequestsByMobile(ctx context.Context, mobile string, limit int) ([]request.Request, error)
}

// Submission is a new request on its way into the store.
type Submission struct {
	// Request is saved as given, but for ID and Reference, which the store assigns, and
	// History, which starts with one submitted entry at CreatedAt.
	Request request.Request
	// NewReference draws a reference; the store calls it again if one is already taken.
	NewReference func() request.Reference
	// IdempotencyKey, if not empty, makes a repeated submission return the first result.
	IdempotencyKey string
	// Fingerprint identifies the submission's content, to refuse a reused key.
	Fingerprint string
	// DuplicateSince: open requests created at or after this time count as duplicates.
	DuplicateSince time.Time
}

// SubmitResult says what Submit did.
type SubmitResult struct {
	Request request.Request
	// Duplicate: an open request for the same thing existed and is returned instead.
	Duplicate bool
	// Replayed: the idempotency key was seen before; Duplicate is as it was the first time.
	Replayed bool
}

// SortHistory puts a history read in any order into the order it was written: ids are the
// events' ids, ascending with time. Backends sort in Go because an ORDER BY in the tracking
// query cost PostgreSQL a sort on every lookup.
func SortHistory(history []request.Event, ids []int64) {
	sort.Sort(historyByID{history, ids})
}

type historyByID struct {
	history []request.Event
	ids     []int64
}

func (h historyByID) Len() int           { return len(h.ids) }
func (h historyByID) Less(i, j int) bool { return h.ids[i] < h.ids[j] }
func (h historyByID) Swap(i, j int) {
	h.ids[i], h.ids[j] = h.ids[j], h.ids[i]
	h.history[i], h.history[j] = h.history[j], h.history[i]
}
