package demo_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/demo"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

func TestSeed(t *testing.T) {
	dir := testenv.Directory(t)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		res, err := demo.Seed(ctx, st, dir, demo.Options{Now: now, Seed: 42})
		if err != nil {
			t.Fatal(err)
		}
		d := desk.New(st, dir, catalogue.New(st)).WithClock(func() time.Time { return now })

		// One account of each role, on a unit the directory has, that logs in with the
		// password shown and sees its part of the demo.
		roles := map[staff.Role]bool{}
		for _, a := range res.Accounts {
			roles[a.Role] = true
			if unit, err := staff.ResolveUnit(dir, a.Role, a.Unit); err != nil || unit != a.Unit {
				t.Errorf("%s: unit %q resolves to %q, %v", a.Username, a.Unit, unit, err)
			}
			account, err := d.Login(ctx, a.Username, a.Password, "127.0.0.1")
			if err != nil {
				t.Errorf("%s cannot log in with its password: %v", a.Username, err)
				continue
			}
			page, err := d.List(ctx, desk.Actor{Account: account}, desk.Filter{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, n := range page.Counts {
				seen += n
			}
			if a.Role != staff.RoleDivision && seen != res.Requests || a.Role == staff.RoleDivision && (seen == 0 || seen == res.Requests) {
				t.Errorf("%s (%s %s) sees %d of the %d requests", a.Username, a.Role, a.Unit, seen, res.Requests)
			}
		}
		if len(roles) != len(staff.Roles) {
			t.Errorf("accounts of roles %v, want one of each of %v", roles, staff.Roles)
		}

		reqs, err := st.DeskRequests(ctx, store.DeskQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(reqs) != res.Requests || res.Requests < demo.DefaultRequests*9/10 {
			t.Fatalf("%d requests stored, %d reported, want about %d", len(reqs), res.Requests, demo.DefaultRequests)
		}
		statuses := map[request.Status]int{}
		days := map[string]bool{}
		for _, r := range reqs {
			statuses[r.Status]++
			days[r.CreatedAt.In(request.IST).Format(time.DateOnly)] = true
			checkRequest(t, r, now, demo.Period)
			area, err := dir.Lookup(r.Pincode)
			if err != nil || area.Division != r.Division || !slices.Contains(demo.Divisions, r.Division) ||
				r.Region != demo.Region || r.Circle != demo.Circle {
				t.Errorf("%s: pincode %s in %q/%q/%q; directory says %+v, %v", r.Reference, r.Pincode, r.Division, r.Region, r.Circle, area, err)
			}
			notes, err := st.NotificationsForRequest(ctx, r.ID)
			if err != nil || len(notes) != 0 {
				t.Errorf("%s has %d notifications (%v); the demo must send none", r.Reference, len(notes), err)
			}
		}
		for _, s := range store.AllStatuses {
			if statuses[s] == 0 || statuses[s] != res.ByStatus[s] {
				t.Errorf("%d requests %s (reported %d); want some of every status: %v", statuses[s], s, res.ByStatus[s], statuses)
			}
		}
		if len(days) < 20 {
			t.Errorf("requests on %d days; want them spread over the 30", len(days))
		}
		if oldest := reqs[0].CreatedAt; now.Sub(oldest) < 25*24*time.Hour {
			t.Errorf("the oldest request is from %v, want close to 30 days before %v", oldest, now)
		}

		audit, err := st.AuditLog(ctx, audit.Query{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, e := range audit {
			if e.Actor == desk.System.Account.Username {
				actions[e.Action]++
			}
		}
		if actions["account_create"] != len(res.Accounts) || actions["demo_seed"] != 1 {
			t.Errorf("audit by system: %v", actions)
		}

		// Seeding again adds nothing.
		if _, err := demo.Seed(ctx, st, dir, demo.Options{Now: now}); !errors.Is(err, demo.ErrNotEmpty) {
			t.Errorf("second seeding: %v, want ErrNotEmpty", err)
		}
		again, _ := st.DeskRequests(ctx, store.DeskQuery{})
		accounts, _ := st.Accounts(ctx)
		if len(again) != len(reqs) || len(accounts) != len(res.Accounts) {
			t.Errorf("after a second seeding: %d requests, %d accounts; want %d and %d", len(again), len(accounts), len(reqs), len(res.Accounts))
		}
	})
}

// checkRequest checks a seeded request's history as the desk would have written it.
func checkRequest(t *testing.T, r request.Request, now time.Time, period time.Duration) {
	t.Helper()
	if r.CreatedAt.Before(now.Add(-period)) || !r.CreatedAt.Before(now) {
		t.Errorf("%s created at %v, outside the %v before %v", r.Reference, r.CreatedAt, period, now)
	}
	h := r.History
	if len(h) == 0 || h[0].Status != request.StatusSubmitted || !h[0].At.Equal(r.CreatedAt) || h[0].Actor != "" {
		t.Errorf("%s: history starts %+v", r.Reference, h)
		return
	}
	allowed := append(slices.Clone(request.StandardRemarks), "Cancelled by the customer")
	for i := 1; i < len(h); i++ {
		e := h[i]
		if _, err := request.CheckChange(h[i-1].Status, request.Change{To: e.Status, Remarks: e.Remarks, AssignedTo: e.AssignedTo}); err != nil {
			t.Errorf("%s: change %d %s -> %s refused by the workflow: %v", r.Reference, i, h[i-1].Status, e.Status, err)
		}
		if !e.At.After(h[i-1].At) || e.At.After(now) {
			t.Errorf("%s: change %d at %v, after %v and before %v expected", r.Reference, i, e.At, h[i-1].At, now)
		}
		if e.Remarks != "" && !slices.Contains(allowed, e.Remarks) {
			t.Errorf("%s: remarks %q are not standard", r.Reference, e.Remarks)
		}
		if e.Status == request.StatusInProgress && e.AssignedTo == "" {
			t.Errorf("%s: moved to in progress without being assigned", r.Reference)
		}
		if e.Actor == "" || e.Actor == audit.Customer && e.Status != request.StatusCancelled {
			t.Errorf("%s: change %d by %q", r.Reference, i, e.Actor)
		}
	}
	last := h[len(h)-1]
	if last.Status != r.Status || !last.At.Equal(r.UpdatedAt) {
		t.Errorf("%s is %s updated %v; its history ends %+v", r.Reference, r.Status, r.UpdatedAt, last)
	}
}

func TestSeedRefusesADatabaseInUse(t *testing.T) {
	dir := testenv.Directory(t)
	ctx := context.Background()
	st := testenv.SQLite(t)
	if _, err := desk.New(st, dir, catalogue.New(st)).CreateAccount(ctx, desk.System, desk.NewAccount{Username: "admin", Role: "admin", Password: "a long enough password"}); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, st, dir, demo.Options{}); !errors.Is(err, demo.ErrNotEmpty) {
		t.Errorf("with an account: %v, want ErrNotEmpty", err)
	}

	st = testenv.SQLite(t)
	area, _ := dir.Lookup("110001")
	if _, err := st.Submit(ctx, store.Submission{NewReference: request.NewReference, Request: request.Request{
		ServiceCode: "emoney_order", Name: "Asha Devi", Address: "12 Gandhi Road, Connaught Place", Pincode: area.Pincode,
		Email: "asha@example.com", Mobile: "9876543210", Language: request.English, Division: area.Division,
		Circle: area.Circle, CreatedAt: time.Now().UTC()}}); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, st, dir, demo.Options{}); !errors.Is(err, demo.ErrNotEmpty) {
		t.Errorf("with a request: %v, want ErrNotEmpty", err)
	}
	if accounts, _ := st.Accounts(ctx); len(accounts) != 0 {
		t.Errorf("%d accounts made in a database in use", len(accounts))
	}
}
