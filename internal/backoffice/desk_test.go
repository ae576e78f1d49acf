package backoffice_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

func statusForm(status, seen string, more ...string) url.Values {
	v := url.Values{"status": {status}, "version": {seen}}
	for i := 0; i+1 < len(more); i += 2 {
		v.Set(more[i], more[i+1])
	}
	return v
}

// TestDivisionChangesRequest: the request page's form moves a request along the workflow,
// queues the customer's messages, and comes back with a message per field when refused.
func TestDivisionChangesRequest(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		r := w.submit(t, "282001", "9811111111")
		path := "/desk/requests/" + r.Reference.String()
		b := w.loggedIn(t, "agra")

		p := b.get(path)
		for _, want := range []string{"Kamla Devi", "14 Sadar Bazaar, near the clock tower", "9811111111", "kamla@example.com",
			"Hindi", `action="` + path + `/status"`, `name="version" value="1"`, "Customer not available", "sms · submitted"} {
			if !p.has(want) {
				t.Errorf("request page lacks %q", want)
			}
		}

		// Refused: a message by each field, what was typed kept.
		p = b.post(path+"/status", statusForm("completed", "1", "assigned_to", "Ravi", "remarks_note", "typed words"))
		if p.status != http.StatusUnprocessableEntity || !p.has("Move the request to in progress before marking it completed.") ||
			!p.has("A request is assigned only when it is moved to in progress.") || !p.has(`value="Ravi"`) ||
			!p.has(">typed words</textarea>") {
			t.Errorf("submitted -> completed: %d\n%s", p.status, p.body)
		}
		p = b.post(path+"/status", statusForm("not_serviceable", "1"))
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="remarks_note-error"`) ||
			!p.has("Give the reason the request cannot be served.") {
			t.Errorf("not serviceable without remarks: %d", p.status)
		}

		p = b.post(path+"/status", statusForm("in_progress", "1", "assigned_to", "Ravi (postman, Sadar Bazar SO)", "remarks", "Customer did not answer the phone", "remarks_note", "will call again"))
		if p.status != http.StatusOK || p.url.Path != path || !p.has("is in progress, assigned to Ravi (postman, Sadar Bazar SO).") {
			t.Fatalf("to in progress: %d at %s", p.status, p.url)
		}
		got := w.request(t, r)
		if got.Status != request.StatusInProgress || len(got.History) != 2 || got.History[1].Actor != "agra" ||
			got.History[1].Remarks != "Customer did not answer the phone; will call again" || got.History[1].AssignedTo != "Ravi (postman, Sadar Bazar SO)" {
			t.Errorf("after the change: %+v", got)
		}

		// A form shown before the change (a second click, a colleague) does not apply again.
		p = b.post(path+"/status", statusForm("in_progress", "1", "assigned_to", "Sita"))
		if p.status != http.StatusConflict || !p.has("Someone else changed this request meanwhile") {
			t.Errorf("stale form: %d", p.status)
		}
		if got := w.request(t, r); len(got.History) != 2 {
			t.Errorf("the stale form changed the request: %+v", got.History)
		}

		p = b.post(path+"/status", statusForm("completed", "2", "remarks", "Service provided at doorstep"))
		if p.url.Path != path || !p.has("is now completed.") || p.has(`action="`+path+`/status"`) ||
			!p.has("its status can no longer change") {
			t.Fatalf("to completed: %d at %s", p.status, p.url)
		}
		want := []string{"sms/submitted/queued", "email/submitted/queued", "sms/status_changed/queued", "sms/completed/queued", "email/completed/queued"}
		if got := w.notifications(t, r); !slices.Equal(got, want) {
			t.Errorf("messages %v, want %v", got, want)
		}
		if p = b.post(path+"/status", statusForm("cancelled", "3")); p.status != http.StatusUnprocessableEntity ||
			!p.has("This request is already completed; its status can no longer change.") {
			t.Errorf("cancelling a completed request: %d", p.status)
		}
	})
}

// TestTwoChangesOfTheSamePage: two members of staff (or two tabs) send the change form of
// a request, both shown at the same version, at the same moment: one change is made, the
// other comes back with the request as it is now and says it changed meanwhile.
func TestTwoChangesOfTheSamePage(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		r := w.submit(t, "282001", "9811111111")
		path := "/desk/requests/" + r.Reference.String()
		browsers := []*browser{w.loggedIn(t, "agra"), w.loggedIn(t, "agra")}
		for round := range 5 {
			version := fmt.Sprint(round + 1)
			pages := make([]page, len(browsers))
			var wg sync.WaitGroup
			for i, b := range browsers {
				wg.Go(func() {
					pages[i] = b.post(path+"/status", statusForm("in_progress", version, "assigned_to", fmt.Sprintf("postman %d-%d", round, i)))
				})
			}
			wg.Wait()
			won, lost := 0, 0
			for _, p := range pages {
				switch {
				case p.status == http.StatusOK && p.has("is in progress, assigned to postman"):
					won++
				case p.status == http.StatusConflict && p.has("Someone else changed this request meanwhile"):
					lost++
					// The page shows the request as it is now: the winner's assignment, and a
					// form for the version after it.
					now := w.request(t, r)
					if !p.has(now.AssignedTo) || !p.has(fmt.Sprintf(`name="version" value="%d"`, now.Version())) {
						t.Errorf("round %d: the conflict page does not show the request as it is now (assigned to %q, version %d)",
							round, now.AssignedTo, now.Version())
					}
				default:
					t.Errorf("round %d: %d at %s", round, p.status, p.url)
				}
			}
			if won != 1 || lost != 1 {
				t.Fatalf("round %d: %d changes made and %d refused, want one of each", round, won, lost)
			}
		}
		if got := w.request(t, r); got.Version() != 6 {
			t.Errorf("after five rounds the request is at version %d, want 6", got.Version())
		}
	})
}

// TestScopesOnTheWeb: the Region sees its Divisions' requests without a form and may not
// post one; another Division learns nothing.
func TestScopesOnTheWeb(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		r := w.submit(t, "282001", "9811111111")
		path := "/desk/requests/" + r.Reference.String()

		region := w.loggedIn(t, "agra.region")
		p := region.get(path)
		if p.status != http.StatusOK || !p.has("Kamla Devi") || p.has(`action="`+path+`/status"`) ||
			!p.has("Only staff of the Agra Division change this request") {
			t.Errorf("region viewing: %d", p.status)
		}
		if p = region.post(path+"/status", statusForm("in_progress", "1")); p.status != http.StatusForbidden {
			t.Errorf("region posting a change: %d, want 403", p.status)
		}
		if p = region.get("/desk"); !p.has(r.Reference.String()) || p.has(`form="bulk"`) {
			t.Errorf("region's desk: no request, or a bulk form")
		}
		if p = region.get("/desk/run-sheet"); p.status != http.StatusForbidden {
			t.Errorf("region's run sheet: %d, want 403", p.status)
		}
		if p = region.get("/admin/accounts"); p.status != http.StatusForbidden {
			t.Errorf("region on the admin pages: %d, want 403", p.status)
		}

		other := w.loggedIn(t, "mathura")
		for _, p := range []page{other.get(path), other.post(path+"/status", statusForm("in_progress", "1")),
			other.get("/desk/requests/DS-AAAAA-AAAAA")} {
			if p.status != http.StatusNotFound || p.has("Kamla") {
				t.Errorf("another Division: %d at %s", p.status, p.url)
			}
		}
		if p = other.get("/desk"); p.has(r.Reference.String()) {
			t.Error("another Division's desk lists the request")
		}
		if got := w.request(t, r); got.Status != request.StatusSubmitted {
			t.Errorf("the request changed: %s", got.Status)
		}
		if p = other.get("/desk/no-such-page"); p.status != http.StatusNotFound {
			t.Errorf("unknown page: %d", p.status)
		}
		if p = other.get("/desk/bulk"); p.status != http.StatusMethodNotAllowed {
			t.Errorf("GET of a POST route: %d", p.status)
		}
	})
}

// TestQueue: counts by status, filters with their messages, keyset pages, bulk moves.
func TestQueue(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		var reqs []request.Request
		var refs []string
		for i := range 3 {
			reqs = append(reqs, w.submit(t, "282001", fmt.Sprintf("98111111%02d", i)))
			refs = append(refs, reqs[i].Reference.String())
		}
		other := w.submit(t, "281001", "9822222222").Reference.String()
		b := w.loggedIn(t, "agra")

		p := b.get("/desk?limit=2")
		if p.status != http.StatusOK || !p.has(refs[0]) || !p.has(refs[1]) || p.has(refs[2]) || p.has(other) {
			t.Fatalf("first page: %d", p.status)
		}
		if !p.has(`<span class="count">3</span> Submitted`) || !p.has(`href="/desk?limit=2&amp;status=in_progress"`) {
			t.Errorf("counts missing")
		}
		next := between(p.body, `<a href="`, `" rel="next">Next page`)
		p = b.get(strings.ReplaceAll(next, "&amp;", "&"))
		if !p.has(refs[2]) || p.has(refs[0]) || p.has(`rel="next"`) {
			t.Errorf("second page (%s): wrong requests", next)
		}
		if p = b.get("/desk?pincode=12&from=27-11-2026"); p.status != http.StatusBadRequest ||
			!p.has("A pincode is 6 digits.") || !p.has("Give a date as YYYY-MM-DD") || p.has(refs[0]) {
			t.Errorf("bad filter: %d", p.status)
		}
		if p = b.get("/desk?q=" + url.QueryEscape(refs[1])); !p.has(refs[1]) || p.has(refs[0]) {
			t.Errorf("search by reference")
		}

		p = b.post("/desk/bulk", url.Values{"ref": {refs[0], refs[1], other}, "status": {"in_progress"},
			"assigned_to": {"Sita"}, "back": {"/desk?limit=2"}})
		if p.url.String() != w.srv.URL+"/desk?limit=2" || !p.has("2 of 3 requests moved to in progress.") ||
			!p.has(other+": not found in your Division.") {
			t.Errorf("bulk: at %s\n%s", p.url, p.body)
		}
		for i, want := range []request.Status{request.StatusInProgress, request.StatusInProgress, request.StatusSubmitted} {
			if r := w.request(t, reqs[i]); r.Status != want || want == request.StatusInProgress && r.AssignedTo != "Sita" {
				t.Errorf("request %d after bulk: %s %q", i, r.Status, r.AssignedTo)
			}
		}
		if p = b.post("/desk/bulk", url.Values{"status": {"completed"}}); !p.has("Select at least one request.") {
			t.Errorf("bulk of nothing: %s", p.url)
		}
		region := w.loggedIn(t, "agra.region")
		if p = region.post("/desk/bulk", url.Values{"ref": {refs[2]}, "status": {"in_progress"}}); p.status != http.StatusForbidden {
			t.Errorf("region's bulk: %d", p.status)
		}
	})
}

// TestDivisionOverdueOnTheWeb: the dashboard's link from a Division's row, the Division's
// overdue requests, opens on a Region's desk read-only, with the filters shown, kept across
// pages and exports, and as many rows as the dashboard counts; a Division outside the
// Region's part gets a message and nothing of it.
func TestDivisionOverdueOnTheWeb(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		t0 := time.Date(2030, 3, 4, 4, 30, 0, 0, time.UTC) // 10:00 IST
		var agra []string
		for i := range 3 {
			w.SetTime(t0.Add(time.Duration(i) * time.Minute))
			agra = append(agra, w.submit(t, "282001", fmt.Sprintf("98111111%02d", i)).Reference.String())
		}
		mathura := w.submit(t, "281001", "9822222222").Reference.String()
		for _, to := range []request.Status{request.StatusInProgress, request.StatusCompleted} {
			if _, err := w.desk.Change(ctx, w.users["agra"], agra[2], request.Change{To: to}, desk.AnyVersion); err != nil {
				t.Fatal(err)
			}
		}
		w.SetTime(t0.Add(50 * time.Hour))
		recent := w.submit(t, "282001", "9811111199").Reference.String()
		fig, err := w.Dashboard.View(ctx, w.users["agra.region"].Account, "region:Agra Region", dashboard.Period{From: dashboard.DayOf(t0), To: dashboard.DayOf(w.Now())})
		if err != nil || len(fig.Children) == 0 || fig.Children[0].Unit.Name != "Agra Division" || fig.Children[0].Overdue != 2 {
			t.Fatalf("the dashboard's Agra Division row: %+v, %v", fig.Children, err)
		}

		region := w.loggedIn(t, "agra.region")
		p := region.get("/desk?division=Agra+Division&overdue=1&limit=1")
		if p.status != http.StatusOK || !p.has(agra[0]) || p.has(agra[1]) || p.has(mathura) || p.has(recent) {
			t.Fatalf("first page: %d\n%s", p.status, p.body)
		}
		if !p.has(`<span class="overdue">Overdue</span>`) || p.has(`form="bulk"`) || p.has(`action="/desk/bulk"`) {
			t.Error("the Region's list has no overdue marker, or a form to change the requests")
		}
		if !p.has(`id="division" name="division" value="Agra Division"`) || !p.has(`id="overdue" name="overdue" value="1" checked`) ||
			!p.has("overdue only") || !p.has("; Agra Division</p>") {
			t.Error("the filters are not shown as active")
		}
		if !p.has(`<span class="count">2</span> Submitted`) || !p.has(`<span class="count">0</span> Completed`) ||
			!p.has(`href="/desk?division=Agra&#43;Division&amp;limit=1&amp;overdue=1&amp;status=submitted"`) {
			t.Errorf("counts: not the dashboard's 2, or links that lose the filters\n%s", p.body)
		}
		next := html.UnescapeString(between(p.body, `<a href="`, `" rel="next">Next page`))
		if !strings.Contains(next, "division=Agra+Division") || !strings.Contains(next, "overdue=1") {
			t.Fatalf("next page link %q loses the filters", next)
		}
		p = region.get(next)
		if !p.has(agra[1]) || p.has(agra[0]) || p.has(`rel="next"`) || p.has(`form="bulk"`) {
			t.Errorf("second page (%s): wrong requests", next)
		}
		csv := html.UnescapeString(between(p.body, `<a href="`, `">CSV</a>`))
		p = region.get(csv)
		if p.status != http.StatusOK || !p.has(agra[0]) || !p.has(agra[1]) || p.has(agra[2]) || p.has(mathura) || p.has(recent) {
			t.Errorf("export %s: %d\n%s", csv, p.status, p.body)
		}
		// The request's page, from the list, is read-only for the Region.
		if p = region.get("/desk/requests/" + agra[0]); p.status != http.StatusOK || p.has("/status\"") || !p.has("you see it read-only") {
			t.Errorf("the Region's request page: %d", p.status)
		}

		for _, path := range []string{"/desk?division=New+Delhi+GPO+Division&overdue=1", "/desk/export.csv?division=New+Delhi+GPO+Division"} {
			if p = region.get(path); p.status != http.StatusBadRequest ||
				!p.has("New Delhi GPO Division is outside your part of the hierarchy (Region: Agra Region).") || p.has(agra[0]) {
				t.Errorf("%s: %d\n%s", path, p.status, p.body)
			}
		}
		if p = region.get("/desk?division=Agra+Divison"); p.status != http.StatusBadRequest || !p.has("Did you mean: Agra Division") {
			t.Errorf("a misspelt Division: %d", p.status)
		}
		// Agra's own staff see the same list, with the bulk form; their whole desk marks the
		// overdue requests only.
		own := w.loggedIn(t, "agra")
		if p = own.get("/desk?overdue=1"); !p.has(agra[0]) || !p.has(agra[1]) || p.has(recent) || !p.has(`form="bulk"`) {
			t.Errorf("the Division's overdue list: %d", p.status)
		}
		if p = own.get("/desk"); !p.has(recent) || strings.Count(p.body, `<span class="overdue">Overdue</span>`) != 2 {
			t.Errorf("the Division's desk marks %d overdue, want 2", strings.Count(p.body, `<span class="overdue">Overdue</span>`))
		}
	})
}

// TestRequestPageTarget: a request's page says its service's target and when it is
// expected, and that it is overdue once it is; a new target shows at once.
func TestRequestPageTarget(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testenv.SQLite(t))
	w.SetTime(time.Date(2030, 3, 4, 4, 35, 0, 0, time.UTC)) // 10:05 IST
	ref := w.submit(t, "282001", "9811111111").Reference.String()
	b := w.loggedIn(t, "agra")
	expected := `Target: 48 hours · expected by <time datetime="2030-03-06T10:05&#43;05:30">6 Mar 2030, 10:05</time> IST`
	w.SetTime(time.Date(2030, 3, 6, 5, 29, 59, 0, time.UTC)) // 10:59:59 IST, 6 Mar: due, not yet counted overdue
	if p := b.get("/desk/requests/" + ref); !p.has(expected + "</p>") {
		t.Errorf("before it is overdue:\n%s", between(p.body, "<h1>", "</dl>"))
	}
	w.SetTime(time.Date(2030, 3, 6, 5, 30, 0, 0, time.UTC)) // 11:00 IST: the end of its hour plus 48 hours
	if p := b.get("/desk/requests/" + ref); !p.has(expected + ` · <strong class="overdue">Overdue</strong></p>`) {
		t.Errorf("overdue:\n%s", between(p.body, "<h1>", "</dl>"))
	}
	if err := w.desk.SetServiceTarget(context.Background(), w.users["admin"], "emoney_order", 72); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/desk/requests/" + ref); !p.has(`Target: 72 hours · expected by <time datetime="2030-03-07T10:05&#43;05:30">7 Mar 2030, 10:05</time> IST</p>`) {
		t.Errorf("after the target changed:\n%s", between(p.body, "<h1>", "</dl>"))
	}
}

// between returns the text of s between the first before and the next after.
func between(s, before, after string) string {
	end := strings.Index(s, after)
	if end < 0 {
		return ""
	}
	start := strings.LastIndex(s[:end], before)
	if start < 0 {
		return ""
	}
	return s[start+len(before) : end]
}

func TestRunSheet(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testenv.SQLite(t))
	ctx := context.Background()
	agra := w.users["agra"]
	for i, to := range []string{"Ravi", "", "Sita", "Ravi"} {
		r := w.submit(t, "282001", fmt.Sprintf("98111111%02d", i))
		if _, err := w.desk.Change(ctx, agra, string(r.Reference), request.Change{To: request.StatusInProgress, AssignedTo: to}, desk.AnyVersion); err != nil {
			t.Fatal(err)
		}
	}
	w.submit(t, "282001", "9811111199") // submitted: not on the sheet
	p := w.loggedIn(t, "agra").get("/desk/run-sheet")
	if p.status != http.StatusOK || !p.has("Agra Division: 4 requests in progress") || !p.has("@media print") && !p.has("staff.css") {
		t.Fatalf("run sheet: %d\n%s", p.status, p.body)
	}
	var groups []string
	for _, part := range strings.Split(p.body, "<h2>")[1:] {
		name, _, _ := strings.Cut(part, " <span")
		groups = append(groups, name+":"+fmt.Sprint(strings.Count(part, "<tr>")-1))
	}
	if want := []string{"Ravi:2", "Sita:1", "Not assigned yet:1"}; !slices.Equal(groups, want) {
		t.Errorf("groups %v, want %v", groups, want)
	}
}

// TestRetryNotification: a failed message has a "Send again" button for the Division and
// admins, which queues it again.
func TestRetryNotification(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		r := w.submit(t, "282001", "9811111111")
		notes, _ := st.NotificationsForRequest(ctx, r.ID)
		sms := notes[0]
		if err := st.RecordAttempts(ctx, []store.Attempt{{NotificationID: sms.ID, Number: 1, At: time.Now(),
			Err: "gateway said no", Final: true}}); err != nil {
			t.Fatal(err)
		}
		path := "/desk/requests/" + r.Reference.String()
		retry := fmt.Sprintf("%s/notifications/%d/retry", path, sms.ID)

		if p := w.loggedIn(t, "agra.region").get(path); !p.has("gateway said no") || p.has(retry) {
			t.Errorf("region: the failure is not shown, or a retry button is")
		}
		b := w.loggedIn(t, "agra")
		p := b.get(path)
		if !p.has("failed") || !p.has("gateway said no") || !p.has(`action="`+retry+`"`) {
			t.Fatalf("no retry button:\n%s", p.body)
		}
		p = b.post(retry, nil)
		if p.url.Path != path || !p.has("The message is queued to be sent again.") {
			t.Errorf("retry: %d at %s", p.status, p.url)
		}
		if got := w.notifications(t, r); got[0] != "sms/submitted/queued" {
			t.Errorf("after retry: %v", got)
		}
		if p = b.post(retry, nil); !p.has("it was not queued") {
			t.Errorf("retry of a queued message: %d", p.status)
		}
		if e := w.audit(t, audit.Query{Action: "notification_retry"}); len(e) != 1 {
			t.Errorf("retry audit %+v", e)
		}
		if p = w.loggedIn(t, "mathura").post(retry, nil); p.status != http.StatusNotFound {
			t.Errorf("another Division's retry: %d", p.status)
		}
	})
}
