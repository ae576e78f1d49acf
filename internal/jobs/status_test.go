package jobs

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/notify"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// TestStatusChangesTellTheCustomer: the Division moves a request to in progress and then to
// completed before the queue gets to the first message; the customer still gets one SMS per
// change, each saying what happened then, and the completion e-mail with the remarks, through
// a real SMTP server.
func TestStatusChangesTellTheCustomer(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		templates, err := notify.LoadTemplates()
		if err != nil {
			t.Fatal(err)
		}
		smtpAddr, mailbox := testenv.SMTPServer(t)
		mail, err := notify.NewSMTP("smtp://"+smtpAddr+"?tls=none", "Doorstep <no-reply@doorstep.example.in>", 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		outbox := filepath.Join(t.TempDir(), "outbox.jsonl")
		sender := &notify.Sender{Templates: templates, Mail: mail, PublicURL: "https://ds.example.in",
			SMS: notify.NewOutbox(outbox, slog.New(slog.DiscardHandler))}
		st, q := b.open(t, sender, fastRetries)
		sender.Services = catalogue.New(st)
		dir := testenv.Directory(t)

		cat := catalogue.New(st)
		res, err := intake.New(st, dir, cat).Submit(ctx, request.Submission{Name: "Ravi Verma", Address: "7 Civil Lines, near the water tank",
			Pincode: "282001", Email: "ravi@example.com", Mobile: "9876500001", Service: "article_booking", Language: "en"}, "")
		if err != nil {
			t.Fatal(err)
		}
		d := desk.New(st, dir, cat)
		acc, err := d.CreateAccount(ctx, desk.System, desk.NewAccount{Username: "agra", Role: "division", Unit: "Agra Division",
			Password: "a long enough password"})
		if err != nil {
			t.Fatal(err)
		}
		staffer := desk.Actor{Account: acc}
		ref := res.Request.Reference.String()
		if _, err := d.Change(ctx, staffer, ref, request.Change{To: request.StatusInProgress, AssignedTo: "Sadar Bazar SO"}, desk.AnyVersion); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Change(ctx, staffer, ref, request.Change{To: request.StatusCompleted, Remarks: "Service provided at doorstep"}, desk.AnyVersion); err != nil {
			t.Fatal(err)
		}
		start(t, q)
		notes := waitFor(t, st, res.Request.ID, allIn(store.NotificationSent))
		if len(notes) != 5 {
			t.Fatalf("%d notifications, want 5 (2 on submission, SMS for in progress, SMS and e-mail for completion)", len(notes))
		}

		var sms []string
		f, err := os.Open(outbox)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		lines := bufio.NewScanner(f)
		for lines.Scan() {
			var e notify.OutboxEntry
			if err := json.Unmarshal(lines.Bytes(), &e); err != nil {
				t.Fatal(err)
			}
			if e.To != "9876500001" {
				t.Errorf("SMS to %q", e.To)
			}
			sms = append(sms, e.Text)
		}
		if len(sms) != 3 {
			t.Fatalf("SMS sent: %q", sms)
		}
		// The queue may send them in any order; each must say its own news.
		var inProgress, completed bool
		for _, text := range sms {
			switch {
			case strings.Contains(text, "is now: In progress") && strings.Contains(text, ref):
				inProgress = true
			case strings.Contains(text, "was completed on") && strings.Contains(text, "Service provided at doorstep"):
				completed = true
			}
		}
		if !inProgress || !completed {
			t.Errorf("SMS texts %q: want one saying in progress and one saying completed with the remarks", sms)
		}
		var completionMail bool
		for _, m := range mailbox.All() {
			body := strings.ReplaceAll(string(m.Data), "=\r\n", "")
			if strings.Contains(body, "was completed") && strings.Contains(body, "Service provided at doorstep") && strings.Contains(body, ref) {
				completionMail = true
			}
		}
		if got := len(mailbox.All()); got != 2 || !completionMail {
			t.Errorf("%d mails; completion mail with remarks found: %v", got, completionMail)
		}
	})
}
