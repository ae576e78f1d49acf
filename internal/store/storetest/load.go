package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// loadedRequest is request i of a bulk load, in one of the five statuses with the history
// that leads there.
func loadedRequest(i int, created time.Time) request.Request {
	r := NewRequest(fmt.Sprintf("8%09d", i), created)
	if i%3 == 1 {
		r.Division, r.Region, r.Circle, r.ServiceCode = "Agra Division", "Agra Region", "Uttar Pradesh Circle", "aeps_cash"
	}
	r.History = []request.Event{{Status: request.StatusSubmitted, At: created}}
	at := created
	change := func(to request.Status, remarks, assigned string, after time.Duration) {
		at = at.Add(after)
		r.History = append(r.History, request.Event{Status: to, At: at, Remarks: remarks, Actor: "ndl.gpo", AssignedTo: assigned})
		if assigned != "" {
			r.AssignedTo = assigned
		}
	}
	switch i % 5 {
	case 1:
		change(request.StatusInProgress, "", "Postman Ravi, Connaught Place S.O", 2*time.Hour)
	case 2:
		change(request.StatusInProgress, "", "Postman Ravi, Connaught Place S.O", 2*time.Hour)
		change(request.StatusInProgress, "Customer not available", "Postman Asif, Connaught Place S.O", 20*time.Hour)
		change(request.StatusCompleted, "Service provided at doorstep", "", time.Duration(i%90)*time.Hour)
	case 3:
		change(request.StatusNotServiceable, "Address not traceable", "", 5*time.Hour)
	case 4:
		change(request.StatusCancelled, "Cancelled by the customer", "", 30*time.Minute)
	}
	r.Status, r.UpdatedAt = r.History[len(r.History)-1].Status, at
	return r
}

// testLoadRequests: requests loaded in bulk read back as they were given, under valid
// references of their own (drawn again when taken), beside a submitted one; the counters
// equal a recount, and still do after a repair. A batch with a request the workflow could
// not have made saves nothing.
func testLoadRequests(t *testing.T, st store.Store) {
	ctx := context.Background()
	submitted := mustSubmit(t, st, submission(NewRequest("9876543210", base))).Request

	// 1,203 requests in two batches: statements of many rows and the rest one by one.
	var batches [2][]request.Request
	for i := range 1203 {
		b := i % 2
		batches[b] = append(batches[b], loadedRequest(i, base.Add(time.Duration(i)*7*time.Minute)))
	}
	// The first draws repeat a reference of the batch and one already stored: both are
	// drawn again.
	repeat := request.NewReference()
	draws := []request.Reference{repeat, repeat, submitted.Reference}
	newReference := func() request.Reference {
		if len(draws) > 0 {
			ref := draws[0]
			draws = draws[1:]
			return ref
		}
		return request.NewReference()
	}
	for _, batch := range batches {
		if err := st.LoadRequests(ctx, batch, newReference); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[request.Reference]bool{submitted.Reference: true}
	for _, batch := range batches {
		for _, want := range batch {
			if _, err := request.ParseReference(string(want.Reference)); err != nil || seen[want.Reference] {
				t.Fatalf("loaded under reference %q: %v, or taken", want.Reference, err)
			}
			seen[want.Reference] = true
			got, err := st.RequestByReference(ctx, want.Reference)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID == 0 {
				t.Errorf("%s has no id", got.Reference)
			}
			got.ID = 0
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("read back\n%+v\nloaded\n%+v", got, want)
			}
		}
	}
	if again, err := st.RequestByReference(ctx, submitted.Reference); err != nil || again.Mobile != submitted.Mobile {
		t.Errorf("the submitted request after the load: %+v, %v", again, err)
	}
	counts, err := st.DeskCounts(ctx, store.DeskQuery{}, store.DefaultCountCap)
	if err != nil {
		t.Fatal(err)
	}
	if counts[request.StatusSubmitted] != 1+241 || counts[request.StatusCompleted] != 241 || counts[request.StatusCancelled] != 240 {
		t.Errorf("desk counts %v", counts)
	}

	checkCounters := func(when string) {
		t.Helper()
		if _, received := countersMatchRecount(t, st, when+": "); received != 1204 {
			t.Errorf("%s: India received %d, want 1204", when, received)
		}
	}
	checkCounters("after the load")
	if err := st.RepairDashboard(ctx); err != nil {
		t.Fatal(err)
	}
	checkCounters("after a repair")

	// A completed request that was never in progress: the batch is refused whole.
	bad := []request.Request{loadedRequest(5000, base), loadedRequest(5004, base)}
	bad[1].History = append(bad[1].History[:1], request.Event{Status: request.StatusCompleted, At: base.Add(time.Hour), Actor: "ndl.gpo"})
	bad[1].Status, bad[1].UpdatedAt = request.StatusCompleted, base.Add(time.Hour)
	if err := st.LoadRequests(ctx, bad, request.NewReference); err == nil {
		t.Error("a history the workflow does not allow was loaded")
	}
	if got, _ := st.PublicRequestsByMobile(ctx, bad[0].Mobile, 10); len(got) != 0 {
		t.Errorf("a refused batch saved %d requests", len(got))
	}
}
