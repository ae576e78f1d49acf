package desk_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
	"github.com/doorstep-post/doorstep/internal/testenv/fixture"
)

const password = fixture.Password

// world is the fixture's world, its clock stopped at start.
type world struct{ *fixture.World }

var start = time.Date(2026, 11, 27, 4, 30, 0, 0, time.UTC)

func newWorld(t *testing.T, st store.Store) world {
	t.Helper()
	return world{fixture.NewAt(t, st, start)}
}

func TestLogin(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		a, err := w.Desk.Login(ctx, " Agra ", password, "10.0.0.1")
		if err != nil || a.Username != "agra" {
			t.Fatalf("Login = %+v, %v", a, err)
		}
		if _, err := w.Desk.Login(ctx, "nobody", password, "10.0.0.1"); !errors.Is(err, staff.ErrBadLogin) {
			t.Errorf("unknown user: %v", err)
		}
		// Four wrong passwords are refused as wrong; the fifth locks the account, and then even
		// the right password is refused until the lock ends. Each is answered as an unknown
		// username is: the caller cannot tell that the account exists or is locked.
		for i := 1; i <= staff.MaxFailedLogins; i++ {
			if _, err := w.Desk.Login(ctx, "agra", "wrong password!", "10.0.0.9"); err != staff.ErrBadLogin {
				t.Fatalf("wrong password %d: %v", i, err)
			}
		}
		if a, err := st.AccountByUsername(ctx, "agra"); err != nil || !a.LockedUntil.Equal(start.Add(staff.LockFor)) {
			t.Fatalf("after the fifth wrong password: locked until %v, %v", a.LockedUntil, err)
		}
		if _, err := w.Desk.Login(ctx, "agra", password, "10.0.0.1"); err != staff.ErrBadLogin {
			t.Errorf("right password while locked: %v", err)
		}
		w.SetTime(start.Add(staff.LockFor))
		if _, err := w.Desk.Login(ctx, "agra", password, "10.0.0.1"); err != nil {
			t.Errorf("after the lock: %v", err)
		}
		audit, _ := st.AuditLog(ctx, audit.Query{Target: "agra"})
		var actions []string
		for _, e := range audit {
			actions = append(actions, e.Action)
		}
		if want := []string{"login", "login_failed", "account_locked", "login_failed", "login_failed", "login_failed",
			"login_failed", "login", "account_create"}; !slices.Equal(actions, want) {
			t.Errorf("audit of agra = %v, want %v", actions, want)
		}
		if audit[2].IP != "10.0.0.9" {
			t.Errorf("lock audited from %q", audit[2].IP)
		}
		if !strings.Contains(audit[1].Details, "account locked until") { // the staff still learn why
			t.Errorf("refusal while locked audited as %q", audit[1].Details)
		}

		// A disabled account: refused, and its sessions and tokens end.
		token, _, err := w.Desk.IssueToken(ctx, "mathura", password, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Desk.TokenAccount(ctx, token); err != nil {
			t.Fatalf("fresh token: %v", err)
		}
		if err := w.Desk.SetDisabled(ctx, w.Actors["admin"], "mathura", true); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Desk.Login(ctx, "mathura", password, ""); !errors.Is(err, staff.ErrDisabled) {
			t.Errorf("disabled account: %v", err)
		}
		if _, err := w.Desk.Login(ctx, "mathura", "wrong password!", ""); !errors.Is(err, staff.ErrBadLogin) {
			t.Errorf("disabled account, wrong password: %v (must not reveal the account is disabled)", err)
		}
		if _, err := w.Desk.TokenAccount(ctx, token); !errors.Is(err, desk.ErrSessionEnded) {
			t.Errorf("token of a disabled account: %v", err)
		}
		if _, err := w.Desk.SessionAccount(ctx, w.Actors["mathura"].Account.ID, start); !errors.Is(err, desk.ErrSessionEnded) {
			t.Errorf("session of a disabled account: %v", err)
		}
	})
}

func TestPasswordsAndTokens(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		agra := w.Actors["agra"]
		token, expires, err := w.Desk.IssueToken(ctx, "agra", password, "")
		if err != nil || !expires.Equal(start.Add(desk.TokenTTL)) || !strings.HasPrefix(token, "dst_") {
			t.Fatalf("IssueToken = %q %v %v", token, expires, err)
		}
		var verr *request.ValidationError
		if _, err := w.Desk.ChangeOwnPassword(ctx, agra, "not it", "short"); !errors.As(err, &verr) ||
			verr.Fields["current_password"] == "" || verr.Fields["password"] == "" {
			t.Fatalf("bad change: %v", err)
		}
		w.SetTime(start.Add(time.Minute))
		changedAt, err := w.Desk.ChangeOwnPassword(ctx, agra, password, "another long password")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Desk.SessionAccount(ctx, agra.Account.ID, start); !errors.Is(err, desk.ErrSessionEnded) {
			t.Errorf("a session from before the change: %v", err)
		}
		if _, err := w.Desk.SessionAccount(ctx, agra.Account.ID, changedAt); err != nil {
			t.Errorf("the renewed session: %v", err)
		}
		if _, err := w.Desk.TokenAccount(ctx, token); !errors.Is(err, desk.ErrSessionEnded) {
			t.Errorf("a token from before the change: %v", err)
		}
		if _, err := w.Desk.Login(ctx, "agra", "another long password", ""); err != nil {
			t.Errorf("login with the new password: %v", err)
		}
		token2, _, _ := w.Desk.IssueToken(ctx, "agra", "another long password", "")
		if err := w.Desk.RevokeToken(ctx, agra, token2); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Desk.TokenAccount(ctx, token2); !errors.Is(err, desk.ErrSessionEnded) {
			t.Errorf("revoked token: %v", err)
		}
		if _, err := w.Desk.TokenAccount(ctx, "dst_made-up"); !errors.Is(err, desk.ErrSessionEnded) {
			t.Errorf("made-up token: %v", err)
		}
	})
}

func TestAccountsAdminOnly(t *testing.T) {
	w := newWorld(t, testenv.SQLite(t))
	ctx := context.Background()
	for _, name := range []string{"agra", "agra.region", "up.circle"} {
		if _, err := w.Desk.CreateAccount(ctx, w.Actors[name], desk.NewAccount{Username: "x.y.z", Role: "admin", Password: password}); !errors.Is(err, desk.ErrForbidden) {
			t.Errorf("%s creating an account: %v", name, err)
		}
		if err := w.Desk.SetDisabled(ctx, w.Actors[name], "agra", true); !errors.Is(err, desk.ErrForbidden) {
			t.Errorf("%s disabling an account: %v", name, err)
		}
	}
	_, err := w.Desk.CreateAccount(ctx, w.Actors["admin"], desk.NewAccount{Username: "New One", Role: "division", Unit: "Agra Divison", Password: "short"})
	var verr *request.ValidationError
	if !errors.As(err, &verr) || !strings.Contains(verr.Fields["unit"], "Did you mean: Agra Division") ||
		verr.Fields["username"] == "" || verr.Fields["password"] == "" {
		t.Fatalf("bad account: %v", err)
	}
	if _, err := w.Desk.CreateAccount(ctx, w.Actors["admin"], desk.NewAccount{Username: "AGRA", Role: "division", Unit: "agra division",
		Password: password}); !errors.As(err, &verr) || !strings.Contains(verr.Fields["username"], "taken") {
		t.Errorf("taken username: %v", err)
	}
	if err := w.Desk.SetDisabled(ctx, w.Actors["admin"], "admin", true); !errors.As(err, &verr) {
		t.Errorf("admin disabling itself: %v", err)
	}
	if err := w.Desk.ResetPassword(ctx, w.Actors["admin"], "nobody", password); !errors.Is(err, desk.ErrNoAccount) {
		t.Errorf("reset of an unknown account: %v", err)
	}
}

// TestServiceTargetAdminOnly: only admins set a target; a bad one or an unknown service
// changes nothing and leaves no audit entry.
func TestServiceTargetAdminOnly(t *testing.T) {
	w := newWorld(t, testenv.SQLite(t))
	ctx := context.Background()
	for _, name := range []string{"agra", "agra.region", "up.circle"} {
		if err := w.Desk.SetServiceTarget(ctx, w.Actors[name], "aeps_cash", 6); !errors.Is(err, desk.ErrForbidden) {
			t.Errorf("%s setting a target: %v", name, err)
		}
	}
	admin := w.Actors["admin"]
	var verr *request.ValidationError
	if err := w.Desk.SetServiceTarget(ctx, admin, "aeps_cash", 721); !errors.As(err, &verr) || verr.Fields[request.FieldTargetHours] == "" {
		t.Errorf("721 hours: %v", err)
	}
	if err := w.Desk.SetServiceTarget(ctx, admin, "no_such", 6); !errors.Is(err, desk.ErrUnknownService) {
		t.Errorf("unknown service: %v", err)
	}
	if err := w.Desk.SetServiceTarget(ctx, admin, "aeps_cash", 6); err != nil {
		t.Fatal(err)
	}
	if svc, _, _ := w.Catalogue.Service(ctx, "aeps_cash"); svc.Target() != 6*time.Hour {
		t.Errorf("target %v after setting 6 hours", svc.Target())
	}
	entries, _ := w.Store.AuditLog(ctx, audit.Query{Action: "service_target"})
	if len(entries) != 1 || entries[0].Actor != "admin" || entries[0].Target != "aeps_cash" || entries[0].Details != "48 -> 6 hours" {
		t.Errorf("audit %+v", entries)
	}
}

// TestScopes: who sees which requests, and who may change them.
func TestScopes(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		agraReq := w.Submit(t, "282001", "9811111111")
		mathuraReq := w.Submit(t, "281001", "9822222222")
		delhiReq := w.Submit(t, "110001", "9833333333")
		visible := map[string][]request.Reference{
			"agra":         {agraReq.Reference},
			"mathura":      {mathuraReq.Reference},
			"agra.region":  {agraReq.Reference, mathuraReq.Reference},
			"up.circle":    {agraReq.Reference, mathuraReq.Reference},
			"delhi.circle": {delhiReq.Reference},
			"admin":        {agraReq.Reference, mathuraReq.Reference, delhiReq.Reference},
		}
		for name, want := range visible {
			actor := w.Actors[name]
			page, err := w.Desk.List(ctx, actor, desk.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			var got []request.Reference
			for _, r := range page.Requests {
				got = append(got, r.Reference)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s sees %v, want %v", name, got, want)
			}
			for _, r := range []request.Request{agraReq, mathuraReq, delhiReq} {
				_, _, err := w.Desk.Request(ctx, actor, string(r.Reference))
				if sees := slices.Contains(want, r.Reference); sees != (err == nil) || !sees && !errors.Is(err, desk.ErrNotFound) {
					t.Errorf("%s opening %s: %v", name, r.Division, err)
				}
				_, err = w.Desk.Change(ctx, actor, string(r.Reference), request.Change{To: request.StatusInProgress}, desk.AnyVersion)
				switch {
				case name == "agra" && r.ID == agraReq.ID, name == "mathura" && r.ID == mathuraReq.ID:
					if err != nil {
						t.Errorf("%s changing its own request: %v", name, err)
					}
				case slices.Contains(want, r.Reference):
					if !errors.Is(err, desk.ErrForbidden) {
						t.Errorf("%s changing a request it watches: %v, want ErrForbidden", name, err)
					}
				default:
					if !errors.Is(err, desk.ErrNotFound) {
						t.Errorf("%s changing a request outside its scope: %v, want ErrNotFound", name, err)
					}
				}
			}
		}
	})
}

func TestWorkflowSendsMessages(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		agra := w.Actors["agra"]
		r := w.Submit(t, "282001", "9811111111")
		ref := string(r.Reference)
		var verr *request.ValidationError
		if _, err := w.Desk.Change(ctx, agra, ref, request.Change{To: request.StatusCompleted}, desk.AnyVersion); !errors.As(err, &verr) ||
			!strings.Contains(verr.Fields["status"], "in progress before") {
			t.Fatalf("submitted -> completed: %v", err)
		}
		w.SetTime(start.Add(time.Hour))
		if _, err := w.Desk.Change(ctx, agra, ref, request.Change{To: request.StatusInProgress, AssignedTo: "Ravi (postman, Sadar Bazar SO)"}, desk.AnyVersion); err != nil {
			t.Fatal(err)
		}
		w.SetTime(start.Add(2 * time.Hour))
		done, err := w.Desk.Change(ctx, agra, ref, request.Change{To: request.StatusCompleted, Remarks: "Service provided at doorstep"}, desk.AnyVersion)
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != request.StatusCompleted || done.AssignedTo != "Ravi (postman, Sadar Bazar SO)" ||
			len(done.History) != 3 || done.History[2].Actor != "agra" || !done.History[2].At.Equal(start.Add(2*time.Hour)) {
			t.Errorf("completed request %+v", done)
		}
		_, notes, err := w.Desk.Request(ctx, agra, ref)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range notes {
			got = append(got, fmt.Sprintf("%s/%s/%s", n.Channel, n.Kind, n.About))
		}
		want := []string{"sms/submitted/", "email/submitted/", "sms/status_changed/in_progress", "sms/completed/completed", "email/completed/completed"}
		if !slices.Equal(got, want) {
			t.Errorf("messages %v, want %v", got, want)
		}
		if _, err := w.Desk.Change(ctx, agra, ref, request.Change{To: request.StatusCancelled}, desk.AnyVersion); !errors.As(err, &verr) {
			t.Errorf("cancelling a completed request: %v", err)
		}
		entries, _ := st.AuditLog(ctx, audit.Query{Target: ref})
		if len(entries) != 2 || entries[0].Details != "in_progress -> completed, remarks: Service provided at doorstep" || entries[0].Actor != "agra" {
			t.Errorf("audit of the request: %+v", entries)
		}
	})
}

func TestBulkAndRunSheet(t *testing.T) {
	w := newWorld(t, testenv.SQLite(t))
	ctx := context.Background()
	agra := w.Actors["agra"]
	var refs []string
	for i := range 4 {
		w.SetTime(start.Add(time.Duration(i) * time.Minute))
		refs = append(refs, string(w.Submit(t, "282001", fmt.Sprintf("98111111%02d", i)).Reference))
	}
	other := string(w.Submit(t, "281001", "9822222222").Reference)
	items := []desk.BulkItem{{Reference: refs[0], Version: 1}, {Reference: refs[1]}, {Reference: refs[2], Version: 1}, {Reference: other}}
	results, err := w.Desk.Bulk(ctx, agra, items, request.Change{To: request.StatusInProgress, AssignedTo: "Ravi"})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if want := i < 3; (r.Err == nil) != want {
			t.Errorf("bulk result %d: %v", i, r.Err)
		}
	}
	if !errors.Is(results[3].Err, desk.ErrNotFound) {
		t.Errorf("another Division's request in a bulk change: %v", results[3].Err)
	}
	// A request changed since the list showed it (at version 1) is left alone.
	stale, err := w.Desk.Bulk(ctx, agra, []desk.BulkItem{{Reference: refs[0], Version: 1}}, request.Change{To: request.StatusCompleted})
	if err != nil || !errors.Is(stale[0].Err, desk.ErrChangedMeanwhile) {
		t.Errorf("bulk change of a request changed since it was listed: %v, %+v", err, stale)
	}
	if _, err := w.Desk.Change(ctx, agra, refs[2], request.Change{To: request.StatusInProgress, AssignedTo: "Sita"}, desk.AnyVersion); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Desk.Change(ctx, agra, refs[3], request.Change{To: request.StatusInProgress}, desk.AnyVersion); err != nil {
		t.Fatal(err)
	}
	var verr *request.ValidationError
	if _, err := w.Desk.Bulk(ctx, agra, []desk.BulkItem{{Reference: refs[0]}}, request.Change{To: request.StatusCancelled}); !errors.As(err, &verr) {
		t.Errorf("bulk cancel: %v", err)
	}
	groups, err := w.Desk.RunSheet(ctx, agra)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range groups {
		got = append(got, fmt.Sprintf("%s:%d", g.AssignedTo, len(g.Requests)))
	}
	if want := []string{"Ravi:2", "Sita:1", ":1"}; !slices.Equal(got, want) {
		t.Errorf("run sheet groups %v, want %v", got, want)
	}
	if _, err := w.Desk.RunSheet(ctx, w.Actors["agra.region"]); !errors.Is(err, desk.ErrForbidden) {
		t.Errorf("run sheet for a region: %v", err)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	w := newWorld(t, testenv.SQLite(t))
	ctx := context.Background()
	agra := w.Actors["agra"]
	var reqs []request.Request
	for i := range 5 {
		w.SetTime(start.Add(time.Duration(i) * 24 * time.Hour))
		reqs = append(reqs, w.Submit(t, "282001", fmt.Sprintf("98111111%02d", i)))
	}
	parse := func(q string) desk.Filter {
		t.Helper()
		v, _ := url.ParseQuery(q)
		f, errs := desk.ParseFilter(v)
		if len(errs) > 0 {
			t.Fatalf("ParseFilter(%q): %v", q, errs)
		}
		return f
	}
	page, err := w.Desk.List(ctx, agra, parse("limit=2"))
	if err != nil || len(page.Requests) != 2 || page.Next == "" || page.Counts[request.StatusSubmitted] != 5 {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	f := parse("limit=2&after=" + page.Next)
	page, _ = w.Desk.List(ctx, agra, f)
	page2, _ := w.Desk.List(ctx, agra, parse("limit=2&after="+page.Next))
	if len(page.Requests) != 2 || page.Requests[0].ID != reqs[2].ID || len(page2.Requests) != 1 || page2.Next != "" {
		t.Errorf("pages 2 and 3: %v, %v", page.Requests, page2)
	}
	// Dates are Indian dates, both ends included.
	from := start.In(request.IST).AddDate(0, 0, 1).Format(time.DateOnly)
	to := start.In(request.IST).AddDate(0, 0, 2).Format(time.DateOnly)
	page, _ = w.Desk.List(ctx, agra, parse("from="+from+"&to="+to))
	if len(page.Requests) != 2 || page.Requests[0].ID != reqs[1].ID {
		t.Errorf("from %s to %s: %d requests", from, to, len(page.Requests))
	}
	for q, id := range map[string]int64{"q=" + string(reqs[3].Reference): reqs[3].ID, "q=+91 98111 11104": reqs[4].ID} {
		page, _ = w.Desk.List(ctx, agra, parse(q))
		if len(page.Requests) != 1 || page.Requests[0].ID != id {
			t.Errorf("search %s: %v", q, page.Requests)
		}
	}
	page, _ = w.Desk.List(ctx, agra, parse("q=kamla&order=newest"))
	if len(page.Requests) != 5 || page.Requests[0].ID != reqs[4].ID || page.Counts != nil {
		t.Errorf("name search newest first: %d requests, counts %v", len(page.Requests), page.Counts)
	}
	v, _ := url.ParseQuery("status=done&pincode=12&from=27-11-2026&order=up&limit=999&after=x")
	if _, errs := desk.ParseFilter(v); len(errs) != 6 {
		t.Errorf("bad filter errors: %v", errs)
	}
	if got := parse("status=completed&status=cancelled&q=kamla&order=newest").Values().Encode(); got != "order=newest&q=kamla&status=completed&status=cancelled" {
		t.Errorf("Values = %s", got)
	}
	rows, err := w.Desk.Export(ctx, agra, parse("limit=1"), "csv")
	if err != nil || len(rows) != 5 {
		t.Errorf("export: %d rows, %v", len(rows), err)
	}
	if entries, _ := w.Store.AuditLog(ctx, audit.Query{Action: "export"}); len(entries) != 1 || !strings.HasPrefix(entries[0].Details, "csv, 5 rows") {
		t.Errorf("export audit %+v", entries)
	}
}

// TestInProgressAgainNeedsANewAssignee: a double-submitted re-assignment does not text the
// customer twice.
func TestInProgressAgainNeedsANewAssignee(t *testing.T) {
	w := newWorld(t, testenv.SQLite(t))
	ctx := context.Background()
	agra := w.Actors["agra"]
	ref := string(w.Submit(t, "282001", "9811111111").Reference)
	if _, err := w.Desk.Change(ctx, agra, ref, request.Change{To: request.StatusInProgress, AssignedTo: "Ravi"}, desk.AnyVersion); err != nil {
		t.Fatal(err)
	}
	var verr *request.ValidationError
	for _, again := range []string{"Ravi", " Ravi ", ""} {
		if _, err := w.Desk.Change(ctx, agra, ref, request.Change{To: request.StatusInProgress, AssignedTo: again}, desk.AnyVersion); !errors.As(err, &verr) ||
			!strings.Contains(verr.Fields["assigned_to"], "already in progress, assigned to Ravi") {
			t.Errorf("in progress again with %q: %v", again, err)
		}
	}
	r, err := w.Desk.Change(ctx, agra, ref, request.Change{To: request.StatusInProgress, AssignedTo: "Sita"}, desk.AnyVersion)
	if err != nil || r.AssignedTo != "Sita" {
		t.Fatalf("re-assigned: %+v, %v", r, err)
	}
	_, notes, _ := w.Desk.Request(ctx, agra, ref)
	if len(notes) != 4 { // submitted SMS and e-mail, and one SMS per assignment
		t.Errorf("%d messages, want 4", len(notes))
	}
}
