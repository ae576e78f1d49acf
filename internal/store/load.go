package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/request"
)

// Loader writes requests in bulk: a database filled for a demonstration or a benchmark
// (doorstep demo-data), where saving them one at a time through Submit and ChangeStatus
// would take hours for millions.
type Loader interface {
	// LoadRequests saves requests as they stand after their history (status, history,
	// assigned_to and updated_at as given; CheckLoaded says what that must be), in one
	// transaction with what they add to the dashboard's counters, so that the counters stay
	// equal to a recount. Nothing is sent to anyone: no notification, no job. Each request's
	// Reference is drawn with newReference (again if it is taken) and set in requests; IDs
	// are assigned in the order given but not set.
	LoadRequests(ctx context.Context, requests []request.Request, newReference func() request.Reference) error
}

// CheckLoaded checks that a request for LoadRequests is one the product could have made: a
// history that starts with its submission, at its creation and by the customer, whose every
// change the workflow allows, in time order, and that ends in its status, its last change
// and its assignment.
func CheckLoaded(r request.Request) error {
	h := r.History
	if len(h) == 0 || h[0].Status != request.StatusSubmitted || !h[0].At.Equal(r.CreatedAt) || h[0].Actor != "" {
		return errors.New("store: a loaded request's history starts with its submission, at its creation")
	}
	assigned := ""
	for i := 1; i < len(h); i++ {
		e := h[i]
		if _, err := request.CheckChange(h[i-1].Status, request.Change{To: e.Status, Remarks: e.Remarks, AssignedTo: e.AssignedTo}); err != nil {
			return fmt.Errorf("store: a loaded request's change %d (%s -> %s): %w", i, h[i-1].Status, e.Status, err)
		}
		if e.At.Before(h[i-1].At) || e.Actor == "" {
			return fmt.Errorf("store: a loaded request's change %d is before the one it follows, or by no one", i)
		}
		if e.AssignedTo != "" {
			assigned = e.AssignedTo
		}
	}
	last := h[len(h)-1]
	if r.Status != last.Status || !r.UpdatedAt.Equal(last.At) || r.AssignedTo != assigned {
		return errors.New("store: a loaded request's status, update time and assignment are those of its last change")
	}
	return nil
}

// LoadedTally is what loaded requests add to the dashboard's counters: what a recount
// would count for them.
func LoadedTally(requests []request.Request) *dashboard.Tally {
	var t dashboard.Tally
	for _, r := range requests {
		t.Recount(dashboard.Raw{Service: r.ServiceCode, Division: r.Division, Region: r.Region, Circle: r.Circle,
			Status: r.Status, CreatedAt: r.CreatedAt, ClosedAt: r.UpdatedAt})
	}
	return &t
}

// loadReferenceAttempts bounds the draws for one request: at 31^9 references a draw is
// taken with a chance below 1 in a million even with ten million stored, so several in a
// row would mean a broken random source.
const loadReferenceAttempts = 5

// DrawReferences sets a reference on each request that no other of them has and that
// taken (the backend's look-up of references already stored, in the transaction that will
// insert them) does not report.
func DrawReferences(ctx context.Context, requests []request.Request, newReference func() request.Reference,
	taken func(ctx context.Context, refs []string) ([]string, error)) error {
	seen := make(map[request.Reference]bool, len(requests))
	draw := func(r *request.Request) error {
		for range loadReferenceAttempts {
			if ref := newReference(); !seen[ref] {
				seen[ref], r.Reference = true, ref
				return nil
			}
		}
		return fmt.Errorf("store: no free reference after %d attempts", loadReferenceAttempts)
	}
	pending := make([]int, len(requests))
	for i := range requests {
		pending[i] = i
	}
	for range loadReferenceAttempts {
		refs := make([]string, len(pending))
		for j, i := range pending {
			if err := draw(&requests[i]); err != nil {
				return err
			}
			refs[j] = string(requests[i].Reference)
		}
		stored, err := taken(ctx, refs)
		if err != nil {
			return err
		}
		if len(stored) == 0 {
			return nil
		}
		again := make(map[request.Reference]bool, len(stored))
		for _, ref := range stored {
			again[request.Reference(ref)] = true
		}
		var next []int
		for _, i := range pending {
			if again[requests[i].Reference] {
				next = append(next, i) // keeps its place in seen: it is taken
			}
		}
		pending = next
	}
	return fmt.Errorf("store: no free reference after %d attempts", loadReferenceAttempts)
}

// LoadColumns are the columns of requests a loaded request fills, the same on every
// backend; ids are assigned by the database.
var LoadColumns = []string{"reference", "service_code", "name", "address", "pincode", "email", "mobile", "details", "language",
	"division", "region", "circle", "district", "state", "status", "history", "created_at", "updated_at", "assigned_to"}

// PrepareLoad checks requests for LoadRequests (CheckLoaded) and encodes their histories,
// before the backend's transaction begins.
func PrepareLoad(requests []request.Request) (histories []string, err error) {
	histories = make([]string, len(requests))
	for i, r := range requests {
		if err := CheckLoaded(r); err != nil {
			return nil, err
		}
		if histories[i], err = EncodeHistory(r.History); err != nil {
			return nil, err
		}
	}
	return histories, nil
}
