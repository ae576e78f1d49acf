package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/portal"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
	"github.com/doorstep-post/doorstep/internal/testenv/fixture"
)

const cancelCode = fixture.Code

// newCancellingPortal runs the portal over the fixture's world, sending every code as
// cancelCode to a local outbox, and returns it with its desk.
func newCancellingPortal(t *testing.T, st store.Store) (*site, *desk.Desk) {
	t.Helper()
	w := fixture.New(t, st)
	return newPortalWith(t, st, w.Intake, portal.LocalOutbox("outbox.jsonl")), w.Desk
}

func (p *site) postTo(path string, form url.Values) (*http.Response, string) {
	p.t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return p.do(req)
}

func TestCancelRequestWithACode(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		p, _ := newCancellingPortal(t, st)
		loc := p.submit(goodForm(p.token()))
		action := loc + "/cancel"

		resp, body := p.get(loc)
		checkStatus(t, resp, body, http.StatusOK)
		checkContains(t, body, `<form method="post" action="`+action+`"`, "Cancel this request",
			"we first send a code by SMS to the mobile number of the request, ******3210")
		checkLacks(t, body, `name="otp"`)

		// The button sends a code and the page asks for it, saying where it went.
		resp, body = p.postTo(action, nil)
		checkStatus(t, resp, body, http.StatusOK)
		checkContains(t, body, `name="otp"`, `autocomplete="one-time-code"`, `name="code_sent" value="1"`,
			"We sent a 6-digit code to your mobile ******3210", "the code is in the server log and in outbox.jsonl",
			"Cancel the request", `value="resend"`, "Keep the request", `href="`+loc+`"`)
		checkLacks(t, body, personal...)

		// A wrong or missing code: the message is at the field; nothing is cancelled.
		for code, want := range map[string]string{"000000": "That code is not right", "": "Enter the 6-digit code", "12": "6 digits"} {
			resp, body = p.postTo(action, url.Values{"otp": {code}, "code_sent": {"1"}})
			checkStatus(t, resp, body, http.StatusUnprocessableEntity)
			checkContains(t, body, "<title>Error: Request ")
			if g := group(t, body, "otp"); !strings.Contains(g, `id="otp-error"`) || !strings.Contains(g, want) || !strings.Contains(g, `aria-invalid="true"`) {
				t.Errorf("code %q: no message %q at the field:\n%s", code, want, g)
			}
		}

		// Three codes an hour: two more, then the fourth is refused, and the field stays.
		for range 2 {
			resp, body = p.postTo(action, url.Values{"action": {"resend"}, "code_sent": {"1"}})
			checkStatus(t, resp, body, http.StatusOK)
		}
		resp, body = p.postTo(action, url.Values{"action": {"resend"}, "code_sent": {"1"}})
		checkStatus(t, resp, body, http.StatusTooManyRequests)
		checkContains(t, body, "We have sent 3 codes to this mobile in the last hour", `name="otp"`)

		resp, body = p.postTo(action, url.Values{"otp": {"246 810"}, "code_sent": {"1"}})
		checkStatus(t, resp, body, http.StatusSeeOther)
		if got := resp.Header.Get("Location"); got != loc+"?cancelled=1" {
			t.Fatalf("cancelled: redirected to %q", got)
		}
		resp, body = p.get(loc + "?cancelled=1")
		checkStatus(t, resp, body, http.StatusOK)
		checkContains(t, body, "Your request has been cancelled.", `<span class="status status-cancelled">Cancelled</span>`)
		checkLacks(t, body, `action="`+action+`"`, "What happens next")
		checkLacks(t, body, personal...)

		// Sent again (a double tap): the same page.
		resp, _ = p.postTo(action, url.Values{"otp": {cancelCode}, "code_sent": {"1"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != loc+"?cancelled=1" {
			t.Errorf("sent twice: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		// The notice is for a cancelled request only.
		_, body = p.get(loc)
		checkLacks(t, body, "Your request has been cancelled.")

		saved := p.requestsOf("9876543210")
		if len(saved) != 1 || saved[0].Status != request.StatusCancelled || saved[0].History[1].Actor != audit.Customer {
			t.Fatalf("saved %+v", saved)
		}
		notes, err := st.NotificationsForRequest(context.Background(), saved[0].ID)
		if last := notes[len(notes)-1]; err != nil || last.Channel != "sms" || last.Kind != "cancelled" {
			t.Errorf("last message %+v, %v", last, err)
		}

		// A reload of the cancellation's address leads to the request.
		resp, _ = p.get(action)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != loc {
			t.Errorf("GET %s: %d to %q", action, resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body = p.postTo("/requests/"+string(request.NewReference())+"/cancel", nil)
		checkStatus(t, resp, body, http.StatusNotFound)
	})
}

func TestCancelRefusedOnceServed(t *testing.T) {
	t.Parallel()
	st := testenv.SQLite(t)
	p, d := newCancellingPortal(t, st)
	loc := p.submit(goodForm(p.token()))
	ref := strings.TrimPrefix(loc, "/requests/")
	ctx := context.Background()
	acc, err := d.CreateAccount(ctx, desk.System, desk.NewAccount{Username: "nd.gpo", Role: "division", Unit: "New Delhi GPO Division", Password: "a long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	staff := desk.Actor{Account: acc, IP: "10.0.0.1"}
	if _, err := d.Change(ctx, staff, ref, request.Change{To: request.StatusInProgress}, desk.AnyVersion); err != nil {
		t.Fatal(err)
	}
	// The customer asks for a code while the request is open...
	resp, body := p.postTo(loc+"/cancel", nil)
	checkStatus(t, resp, body, http.StatusOK)
	// ...and the postman completes it before they type it.
	if _, err := d.Change(ctx, staff, ref, request.Change{To: request.StatusCompleted}, desk.AnyVersion); err != nil {
		t.Fatal(err)
	}
	resp, body = p.postTo(loc+"/cancel", url.Values{"otp": {cancelCode}, "code_sent": {"1"}})
	checkStatus(t, resp, body, http.StatusConflict)
	checkContains(t, body, "This request can no longer be cancelled: its status is Completed.")
	checkLacks(t, body, `/cancel"`)
	_, body = p.get(loc)
	checkLacks(t, body, "Cancel this request")
}
