package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
)

func newAccount(t *testing.T, st store.Store, username string, role staff.Role, unit string) staff.Account {
	t.Helper()
	a, err := st.CreateAccount(context.Background(), staff.Account{Username: username, Role: role, Unit: unit,
		PasswordHash: "hash-of-" + username, CreatedAt: base}, audit.Entry{Actor: "admin", Action: "account_create"})
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	return a
}

func testAccounts(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := newAccount(t, st, "nd.gpo", staff.RoleDivision, "New Delhi GPO Division")
	if a.ID == 0 || !a.PasswordChangedAt.Equal(base) {
		t.Fatalf("created account %+v", a)
	}
	if _, err := st.CreateAccount(ctx, staff.Account{Username: "nd.gpo", Role: staff.RoleAdmin, PasswordHash: "x", CreatedAt: base},
		audit.Entry{}); !errors.Is(err, store.ErrUsernameTaken) {
		t.Fatalf("second nd.gpo: %v, want ErrUsernameTaken", err)
	}
	newAccount(t, st, "admin", staff.RoleAdmin, "")
	got, err := st.AccountByUsername(ctx, "nd.gpo")
	if err != nil || got.ID != a.ID || got.Role != staff.RoleDivision || got.Unit != "New Delhi GPO Division" ||
		got.PasswordHash != "hash-of-nd.gpo" || got.Disabled || !got.CreatedAt.Equal(base) {
		t.Fatalf("AccountByUsername = %+v, %v", got, err)
	}
	if _, err := st.AccountByUsername(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown username: %v", err)
	}
	later := base.Add(time.Hour)
	if err := st.SetAccountDisabled(ctx, a.ID, true, later, audit.Entry{Actor: "admin", Action: "account_disable"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetPassword(ctx, a.ID, "new-hash", later, audit.Entry{Actor: "admin", Action: "password_reset"}); err != nil {
		t.Fatal(err)
	}
	got, _ = st.AccountByID(ctx, a.ID)
	if !got.Disabled || got.PasswordHash != "new-hash" || !got.PasswordChangedAt.Equal(later) {
		t.Errorf("after disable and reset: %+v", got)
	}
	if err := st.SetAccountDisabled(ctx, 9999, true, later, audit.Entry{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("disable unknown: %v", err)
	}
	all, err := st.Accounts(ctx)
	if err != nil || len(all) != 2 || all[0].Username != "admin" || all[1].Username != "nd.gpo" {
		t.Errorf("Accounts = %v, %v", all, err)
	}
	log, _ := st.AuditLog(ctx, audit.Query{Target: "nd.gpo"})
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	if !slices.Equal(actions, []string{"password_reset", "account_disable", "account_create"}) {
		t.Errorf("audit of nd.gpo = %v", actions)
	}
}

func testLoginLockout(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := newAccount(t, st, "nd.gpo", staff.RoleDivision, "New Delhi GPO Division")
	at := base
	for i := 1; i < staff.MaxFailedLogins; i++ {
		got, err := st.RecordLoginFailure(ctx, a.ID, at)
		if err != nil || got.FailedLogins != i || got.Locked(at) {
			t.Fatalf("failure %d: %+v, %v", i, got, err)
		}
	}
	got, err := st.RecordLoginFailure(ctx, a.ID, at)
	if err != nil || !got.Locked(at) || !got.LockedUntil.Equal(at.Add(staff.LockFor)) || got.FailedLogins != 0 {
		t.Fatalf("failure %d: %+v, %v; want locked for %v", staff.MaxFailedLogins, got, err, staff.LockFor)
	}
	if got.Locked(at.Add(staff.LockFor)) {
		t.Error("still locked after the lock time")
	}
	// A success clears the count; a password reset clears the lock.
	if _, err := st.RecordLoginFailure(ctx, a.ID, at); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordLoginSuccess(ctx, a.ID, at); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.AccountByID(ctx, a.ID); got.FailedLogins != 0 {
		t.Errorf("after success FailedLogins = %d", got.FailedLogins)
	}
	if err := st.SetPassword(ctx, a.ID, "h", at, audit.Entry{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.AccountByID(ctx, a.ID); got.Locked(at) {
		t.Error("still locked after a password reset")
	}

	// Concurrent wrong passwords are all counted: MaxFailedLogins at once lock the account.
	b := newAccount(t, st, "nd.gpo2", staff.RoleDivision, "New Delhi GPO Division")
	var wg sync.WaitGroup
	for range staff.MaxFailedLogins {
		wg.Go(func() {
			if _, err := st.RecordLoginFailure(ctx, b.ID, at); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, _ := st.AccountByID(ctx, b.ID); !got.Locked(at) {
		t.Errorf("%d concurrent failures did not lock: %+v", staff.MaxFailedLogins, got)
	}
}

func testSessions(t *testing.T, st store.Store) {
	ctx := context.Background()
	if err := st.CommitSession(ctx, "tok1", []byte("one"), base.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.CommitSession(ctx, "tok1", []byte("two"), base.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.CommitSession(ctx, "old", []byte("x"), base.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	data, found, err := st.FindSession(ctx, "tok1", base.Add(90*time.Minute))
	if err != nil || !found || string(data) != "two" {
		t.Errorf("FindSession = %q, %v, %v", data, found, err)
	}
	if _, found, _ := st.FindSession(ctx, "old", base); found {
		t.Error("expired session found")
	}
	if d, err := st.DeleteExpired(ctx, base); err != nil || d.Sessions != 1 {
		t.Errorf("DeleteExpired = %+v, %v; want the one expired session", d, err)
	}
	if err := st.DeleteSession(ctx, "tok1"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteSession(ctx, "tok1"); err != nil {
		t.Errorf("deleting a deleted session: %v", err)
	}
	if _, found, _ := st.FindSession(ctx, "tok1", base); found {
		t.Error("deleted session found")
	}
}

func testTokens(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := newAccount(t, st, "nd.gpo", staff.RoleDivision, "New Delhi GPO Division")
	tok := store.Token{Hash: "h1", AccountID: a.ID, CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
	if err := st.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	got, gotTok, err := st.AccountByToken(ctx, "h1", base.Add(time.Minute))
	if err != nil || got.ID != a.ID || got.Unit != a.Unit || !gotTok.ExpiresAt.Equal(tok.ExpiresAt) {
		t.Fatalf("AccountByToken = %+v %+v, %v", got, gotTok, err)
	}
	if _, _, err := st.AccountByToken(ctx, "h1", base.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired token: %v", err)
	}
	if _, _, err := st.AccountByToken(ctx, "nope", base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown token: %v", err)
	}
	if err := st.RevokeToken(ctx, "h1", base); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.AccountByToken(ctx, "h1", base.Add(time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked token: %v", err)
	}
}

func statusNotes(r request.Request, status request.Status) []store.NewNotification {
	return []store.NewNotification{{Channel: "sms", Kind: "status_changed", Recipient: r.Mobile, Language: r.Language,
		RequestStatus: status}}
}

func testChangeStatus(t *testing.T, st store.Store) {
	ctx := context.Background()
	r := mustSubmit(t, st, submission(NewRequest("9876543210", base))).Request
	at := base.Add(time.Hour)
	got, err := st.ChangeStatus(ctx, store.StatusChange{RequestID: r.ID, From: request.StatusSubmitted,
		Change: request.Change{To: request.StatusInProgress, Remarks: "With the postman", AssignedTo: "Ravi Kumar (postman)"},
		Actor:  "nd.gpo", At: at, Notifications: statusNotes(r, request.StatusInProgress),
		Audit: audit.Entry{Actor: "nd.gpo", Role: "division", IP: "10.0.0.7", Action: "status_change", Details: "in_progress"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != request.StatusInProgress || got.AssignedTo != "Ravi Kumar (postman)" || !got.UpdatedAt.Equal(at) {
		t.Errorf("changed request %+v", got)
	}
	// A second change keeps the assignment when none is given.
	at2 := at.Add(time.Hour)
	if _, err := st.ChangeStatus(ctx, store.StatusChange{RequestID: r.ID, From: request.StatusInProgress,
		Change: request.Change{To: request.StatusCompleted, Remarks: "Service provided at doorstep"}, Actor: "nd.gpo", At: at2,
		Notifications: statusNotes(r, request.StatusCompleted)}); err != nil {
		t.Fatal(err)
	}
	read, err := st.RequestByReference(ctx, r.Reference)
	if err != nil {
		t.Fatal(err)
	}
	want := []request.Event{
		{Status: request.StatusSubmitted, At: base},
		{Status: request.StatusInProgress, At: at, Remarks: "With the postman", Actor: "nd.gpo", AssignedTo: "Ravi Kumar (postman)"},
		{Status: request.StatusCompleted, At: at2, Remarks: "Service provided at doorstep", Actor: "nd.gpo"},
	}
	if read.Status != request.StatusCompleted || read.AssignedTo != "Ravi Kumar (postman)" || !slices.Equal(read.History, want) {
		t.Errorf("after two changes: status %s, assigned %q, history %+v", read.Status, read.AssignedTo, read.History)
	}
	notes, _ := st.NotificationsForRequest(ctx, r.ID)
	var about []request.Status
	for _, n := range notes {
		about = append(about, n.RequestStatus)
	}
	if !slices.Equal(about, []request.Status{request.StatusInProgress, request.StatusCompleted}) {
		t.Errorf("notifications are about %v", about)
	}
	entries, _ := st.AuditLog(ctx, audit.Query{Target: string(r.Reference)})
	if len(entries) != 1 || entries[0].IP != "10.0.0.7" || entries[0].Action != "status_change" || !entries[0].At.Equal(at) {
		t.Errorf("audit = %+v", entries)
	}
	// Checked against a status that is no longer current.
	if _, err := st.ChangeStatus(ctx, store.StatusChange{RequestID: r.ID, From: request.StatusInProgress,
		Change: request.Change{To: request.StatusCancelled}, At: at2}); !errors.Is(err, store.ErrChangedMeanwhile) {
		t.Errorf("stale change: %v, want ErrChangedMeanwhile", err)
	}
	if _, err := st.ChangeStatus(ctx, store.StatusChange{RequestID: 9999, From: request.StatusSubmitted,
		Change: request.Change{To: request.StatusCancelled}, At: at2}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown request: %v, want ErrNotFound", err)
	}
}

// testChangeStatusConcurrent: two members of staff change the same request at once; one wins,
// the other is told the status changed, and the history has one entry for the change.
func testChangeStatusConcurrent(t *testing.T, st store.Store) {
	ctx := context.Background()
	r := mustSubmit(t, st, submission(NewRequest("9876543210", base))).Request
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = st.ChangeStatus(ctx, store.StatusChange{RequestID: r.ID, From: request.StatusSubmitted,
				Change: request.Change{To: request.StatusInProgress}, Actor: fmt.Sprint("staff", i), At: base.Add(time.Minute)})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrChangedMeanwhile):
			t.Errorf("concurrent change: %v", err)
		}
	}
	read, _ := st.RequestByID(ctx, r.ID)
	if won != 1 || len(read.History) != 2 {
		t.Errorf("%d changes won; history %+v", won, read.History)
	}
}

// testChangeStatusVersion: a change decided on one version of a request is refused once the
// request has another, though its status is the same (a re-assignment came first); without
// a version it applies to the request as it is.
func testChangeStatusVersion(t *testing.T, st store.Store) {
	ctx := context.Background()
	r := mustSubmit(t, st, submission(NewRequest("9876543210", base))).Request
	if r.Version() != 1 {
		t.Fatalf("a new request has version %d, want 1", r.Version())
	}
	assign := func(version int, to string) (request.Request, error) {
		return st.ChangeStatus(ctx, store.StatusChange{RequestID: r.ID, From: request.StatusInProgress, Version: version,
			Change: request.Change{To: request.StatusInProgress, AssignedTo: to}, Actor: "nd.gpo", At: base.Add(time.Hour)})
	}
	inProgress, err := st.ChangeStatus(ctx, store.StatusChange{RequestID: r.ID, From: request.StatusSubmitted, Version: 1,
		Change: request.Change{To: request.StatusInProgress, AssignedTo: "Ravi"}, At: base.Add(time.Minute)})
	if err != nil || inProgress.Version() != 2 {
		t.Fatalf("change at version 1: version %d, %v", inProgress.Version(), err)
	}
	if _, err := assign(2, "Sita"); err != nil {
		t.Fatalf("re-assign at version 2: %v", err)
	}
	if _, err := assign(2, "Gita"); !errors.Is(err, store.ErrChangedMeanwhile) {
		t.Errorf("re-assign decided on version 2 of a request at version 3: %v, want ErrChangedMeanwhile", err)
	}
	if got, err := assign(0, "Gita"); err != nil || got.AssignedTo != "Gita" || got.Version() != 4 {
		t.Errorf("re-assign without a version: %q at version %d, %v", got.AssignedTo, got.Version(), err)
	}

	// Two people re-assign at once, both having seen version 4: one wins.
	results := make([]error, 2)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { _, results[i] = assign(4, fmt.Sprint("postman ", i)) })
	}
	wg.Wait()
	read, _ := st.RequestByID(ctx, r.ID)
	won := 0
	for _, err := range results {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrChangedMeanwhile):
			t.Errorf("concurrent re-assignment: %v", err)
		}
	}
	if won != 1 || read.Version() != 5 {
		t.Errorf("%d of two re-assignments at version 4 won; the request is at version %d, want 5", won, read.Version())
	}
}

func testDeskQueries(t *testing.T, st store.Store) {
	ctx := context.Background()
	div := "New Delhi GPO Division"
	var reqs []request.Request
	for i := range 7 {
		r := NewRequest(fmt.Sprintf("98765432%02d", i), base.Add(time.Duration(i)*time.Minute))
		if i == 5 {
			r.Name, r.Division, r.Circle, r.Region, r.Pincode = "Mohan Lal", "Agra Division", "Uttar Pradesh Circle", "Agra Region", "282001"
		}
		if i == 6 {
			r.ServiceCode, r.Name = "aeps_cash", "Mohan Das"
		}
		reqs = append(reqs, mustSubmit(t, st, submission(r)).Request)
	}
	move := func(r request.Request, from, to request.Status, assigned string) {
		t.Helper()
		if _, err := st.ChangeStatus(ctx, store.StatusChange{RequestID: r.ID, From: from,
			Change: request.Change{To: to, AssignedTo: assigned}, At: base.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	move(reqs[1], request.StatusSubmitted, request.StatusInProgress, "Ravi")
	move(reqs[2], request.StatusSubmitted, request.StatusInProgress, "Sita")
	move(reqs[2], request.StatusInProgress, request.StatusCompleted, "")
	move(reqs[3], request.StatusSubmitted, request.StatusCancelled, "")

	refs := func(q store.DeskQuery) []request.Reference {
		t.Helper()
		got, err := st.DeskRequests(ctx, q)
		if err != nil {
			t.Fatalf("DeskRequests(%+v): %v", q, err)
		}
		var out []request.Reference
		for _, r := range got {
			out = append(out, r.Reference)
		}
		return out
	}
	ref := func(i ...int) []request.Reference {
		var out []request.Reference
		for _, j := range i {
			out = append(out, reqs[j].Reference)
		}
		return out
	}
	open := []request.Status{request.StatusSubmitted, request.StatusInProgress}
	// Overdue: the e-money orders made before the third minute, and cash withdrawals.
	overdue := []store.ServiceCutoff{{Service: "emoney_order", Before: base.Add(3 * time.Minute)},
		{Service: "aeps_cash", Before: base.Add(time.Hour)}}
	cases := []struct {
		name string
		q    store.DeskQuery
		want []request.Reference
	}{
		{"division open, oldest first", store.DeskQuery{Division: div, Statuses: open}, ref(0, 1, 4, 6)},
		{"newest first", store.DeskQuery{Division: div, Statuses: open, NewestFirst: true}, ref(6, 4, 1, 0)},
		{"page 2", store.DeskQuery{Division: div, Statuses: open, Limit: 2,
			After: &store.Cursor{CreatedAt: reqs[1].CreatedAt, ID: reqs[1].ID}}, ref(4, 6)},
		{"page 2 newest first", store.DeskQuery{Division: div, NewestFirst: true, Limit: 2,
			After: &store.Cursor{CreatedAt: reqs[4].CreatedAt, ID: reqs[4].ID}}, ref(3, 2)},
		{"limit", store.DeskQuery{Division: div, Limit: 2}, ref(0, 1)},
		{"all statuses", store.DeskQuery{Division: div}, ref(0, 1, 2, 3, 4, 6)},
		{"completed", store.DeskQuery{Division: div, Statuses: []request.Status{request.StatusCompleted}}, ref(2)},
		{"service", store.DeskQuery{Division: div, Service: "aeps_cash"}, ref(6)},
		{"pincode", store.DeskQuery{Pincode: "282001"}, ref(5)},
		{"assigned", store.DeskQuery{Division: div, AssignedTo: "Ravi"}, ref(1)},
		{"dates", store.DeskQuery{Division: div, CreatedFrom: base.Add(time.Minute), CreatedBefore: base.Add(3 * time.Minute)}, ref(1, 2)},
		{"reference", store.DeskQuery{Division: div, Reference: reqs[4].Reference}, ref(4)},
		{"reference of another division", store.DeskQuery{Division: div, Reference: reqs[5].Reference}, nil},
		{"mobile", store.DeskQuery{Division: div, Mobile: reqs[4].Mobile}, ref(4)},
		{"name, any case", store.DeskQuery{Division: div, NameContains: "mOHAN"}, ref(6)},
		{"name, wildcards taken literally", store.DeskQuery{NameContains: "M_han"}, nil},
		{"name, percent taken literally", store.DeskQuery{NameContains: "%"}, nil},
		{"region", store.DeskQuery{Region: "Agra Region"}, ref(5)},
		{"circle", store.DeskQuery{Circle: "Delhi Circle", Statuses: []request.Status{request.StatusCancelled}}, ref(3)},
		{"everything", store.DeskQuery{}, ref(0, 1, 2, 3, 4, 5, 6)},
		{"overdue: open, before their service's cutoff", store.DeskQuery{Division: div, Overdue: true, OverdueCutoffs: overdue}, ref(0, 1, 6)},
		{"overdue, submitted only", store.DeskQuery{Division: div, Overdue: true, OverdueCutoffs: overdue,
			Statuses: []request.Status{request.StatusSubmitted}}, ref(0, 6)},
		{"overdue, before the cutoff only", store.DeskQuery{Overdue: true, OverdueCutoffs: []store.ServiceCutoff{
			{Service: "emoney_order", Before: reqs[1].CreatedAt}, {Service: "aeps_cash", Before: reqs[6].CreatedAt}}}, ref(0)},
		{"overdue, no service with a cutoff", store.DeskQuery{Division: div, Overdue: true}, nil},
	}
	for _, c := range cases {
		if got := refs(c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	capped, err := st.DeskCounts(ctx, store.DeskQuery{Division: div}, 2)
	if err != nil || capped[request.StatusSubmitted] != 3 || capped[request.StatusInProgress] != 1 {
		t.Errorf("DeskCounts capped at 2 = %v, %v; want submitted 3 (more than 2), in progress 1", capped, err)
	}
	counts, err := st.DeskCounts(ctx, store.DeskQuery{Division: div, Statuses: open, Limit: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[request.Status]int{request.StatusSubmitted: 3, request.StatusInProgress: 1, request.StatusCompleted: 1, request.StatusCancelled: 1}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("DeskCounts = %v, want %v", counts, want)
	}
	counts, err = st.DeskCounts(ctx, store.DeskQuery{Division: div, Overdue: true, OverdueCutoffs: overdue}, 0)
	if want := map[request.Status]int{request.StatusSubmitted: 2, request.StatusInProgress: 1}; err != nil || fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("DeskCounts of the overdue = %v, %v; want %v", counts, err, want)
	}
}

func testAuditLog(t *testing.T, st store.Store) {
	ctx := context.Background()
	for i := range 5 {
		if err := st.Audit(ctx, audit.Entry{At: base.Add(time.Duration(i) * time.Second), Actor: fmt.Sprint("user", i%2),
			IP: "10.0.0.1", Action: "login", Details: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := st.AuditLog(ctx, audit.Query{Limit: 3})
	if err != nil || len(all) != 3 || all[0].Details != "4" || all[2].Details != "2" || !all[0].At.Equal(base.Add(4*time.Second)) {
		t.Fatalf("AuditLog newest 3 = %+v, %v", all, err)
	}
	next, _ := st.AuditLog(ctx, audit.Query{Limit: 3, Before: all[2].ID})
	if len(next) != 2 || next[0].Details != "1" {
		t.Errorf("next page = %+v", next)
	}
	mine, _ := st.AuditLog(ctx, audit.Query{Actor: "user1"})
	if len(mine) != 2 || mine[0].Details != "3" {
		t.Errorf("user1's entries = %+v", mine)
	}
}

func testDeleteExpired(t *testing.T, st store.Store) {
	ctx := context.Background()
	now := base.Add(30 * 24 * time.Hour)
	// An idempotency key from 8 days ago and one from yesterday.
	for i, at := range []time.Time{now.Add(-8 * 24 * time.Hour), now.Add(-24 * time.Hour)} {
		sub := submission(NewRequest(fmt.Sprintf("98765000%02d", i), at))
		sub.IdempotencyKey = fmt.Sprint("key-", i)
		mustSubmit(t, st, sub)
	}
	for i, at := range []time.Time{now.Add(-3 * 24 * time.Hour), now.Add(-time.Hour)} {
		if err := st.CreateOTP(ctx, store.NewOTP{Mobile: fmt.Sprintf("98765111%02d", i), CreatedAt: at, ExpiresAt: at.Add(10 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []struct {
		token  string
		expiry time.Time
	}{{"old", now.Add(-time.Minute)}, {"live", now.Add(time.Hour)}} {
		if err := st.CommitSession(ctx, s.token, []byte("x"), s.expiry); err != nil {
			t.Fatal(err)
		}
	}
	a := newAccount(t, st, "nd.gpo", staff.RoleDivision, "New Delhi GPO Division")
	for _, tok := range []store.Token{
		{Hash: "expired-long-ago", AccountID: a.ID, CreatedAt: now.Add(-60 * 24 * time.Hour), ExpiresAt: now.Add(-40 * 24 * time.Hour)},
		{Hash: "expired-lately", AccountID: a.ID, CreatedAt: now.Add(-10 * 24 * time.Hour), ExpiresAt: now.Add(-3 * 24 * time.Hour)},
		{Hash: "valid", AccountID: a.ID, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)},
	} {
		if err := st.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	d, err := st.DeleteExpired(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if d != (store.Deleted{Sessions: 1, IdempotencyKeys: 1, OneTimeCodes: 1, Tokens: 1}) {
		t.Errorf("DeleteExpired = %+v, want one of each", d)
	}
	if _, err := st.Replay(ctx, "key-0", "fp-9876500000emoney_order110001"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the 8-day-old key: %v, want it gone", err)
	}
	if _, err := st.Replay(ctx, "key-1", "fp-9876500001emoney_order110001"); err != nil {
		t.Errorf("yesterday's key: %v", err)
	}
	if _, found, _ := st.FindSession(ctx, "live", now); !found {
		t.Error("the live session was deleted")
	}
	if _, _, err := st.AccountByToken(ctx, "valid", now); err != nil {
		t.Errorf("the valid token: %v", err)
	}
	if d, err := st.DeleteExpired(ctx, now); err != nil || d != (store.Deleted{}) {
		t.Errorf("second DeleteExpired = %+v, %v", d, err)
	}
}
