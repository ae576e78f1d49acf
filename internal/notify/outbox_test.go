package notify

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/config"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

func readOutbox(t *testing.T, path string) []OutboxEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var entries []OutboxEntry
	lines := bufio.NewScanner(f)
	lines.Buffer(nil, 1<<20)
	for lines.Scan() {
		var e OutboxEntry
		if err := json.Unmarshal(lines.Bytes(), &e); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", len(entries)+1, err, lines.Bytes())
		}
		entries = append(entries, e)
	}
	if err := lines.Err(); err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestOutbox(t *testing.T) {
	tpl := loadTemplates(t)
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	var logs testenv.Logs
	o := NewOutbox(path, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := context.Background()

	d := sampleData()
	d.Remarks = "Handed to Asha Devi"
	sms, err := tpl.SMS(KindCompleted, request.Hindi, d)
	if err != nil {
		t.Fatal(err)
	}
	sms.ID, sms.To = "DS7KQ4M9XP3C.completed.sms", "9876543210"
	otp, err := tpl.SMS(KindOTP, request.English, Data{Code: "482913"})
	if err != nil {
		t.Fatal(err)
	}
	otp.ID, otp.To = "otp-1", "9123456789"
	mail, err := tpl.Email(KindCompleted, request.English, d)
	if err != nil {
		t.Fatal(err)
	}
	mail.ID, mail.To = "DS7KQ4M9XP3C.completed.email", "asha.devi@example.com"

	if err := o.SendSMS(ctx, sms); err != nil {
		t.Fatal(err)
	}
	if err := o.SendMail(ctx, mail); err != nil {
		t.Fatal(err)
	}
	if err := o.SendSMS(ctx, otp); err != nil {
		t.Fatal(err)
	}

	entries := readOutbox(t, path)
	if len(entries) != 3 {
		t.Fatalf("%d lines in the outbox, want 3", len(entries))
	}
	if e := entries[0]; e.Channel != "sms" || e.ID != sms.ID || e.To != "9876543210" || e.Text != sms.Text || e.Kind != KindCompleted ||
		e.Language != request.Hindi || e.Encoding != UCS2 || e.Segments != sms.Segments || time.Since(e.Time) > time.Minute {
		t.Errorf("SMS line: %+v", e)
	}
	if e := entries[1]; e.Channel != "email" || e.To != mail.To || e.Subject != mail.Subject || e.Text != mail.Text || e.HTML != mail.HTML {
		t.Errorf("e-mail line: %+v", e)
	}
	if e := entries[2]; !strings.HasPrefix(e.Text, "482913 ") {
		t.Errorf("OTP line: %+v", e)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("outbox file mode: %v, %v; want 0600", info.Mode(), err)
	}

	log := logs.String()
	lines := strings.Split(strings.TrimSpace(log), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3:\n%s", len(lines), log)
	}
	for _, want := range []string{"message sent to the local outbox", "to=******3210", "to=a********@example.com", "to=******6789", "channel=sms", "channel=email", "id=" + sms.ID} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	for _, secret := range []string{"9876543210", "9123456789", "asha.devi", "Asha Devi", sms.Text} {
		if strings.Contains(log, secret) {
			t.Errorf("log shows %q:\n%s", secret, log)
		}
	}
	// The one-time code is logged, on purpose: a developer signs in with it.
	if !strings.Contains(lines[2], "482913") || strings.Contains(lines[0]+lines[1], "482913") {
		t.Errorf("the OTP line must, and only it may, show the code:\n%s", log)
	}
}

func TestOutboxConcurrentLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	o := NewOutbox(path, nil)
	long := strings.Repeat("लंबा संदेश ", 2000)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if err := o.SendSMS(context.Background(), SMS{ID: "m" + string(rune('A'+i%26)), To: "9876543210", Text: long}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(readOutbox(t, path)); n != 50 {
		t.Errorf("%d lines, want 50", n)
	}
}

func TestOutboxFailure(t *testing.T) {
	o := NewOutbox(filepath.Join(t.TempDir(), "missing", "outbox.jsonl"), nil)
	if err := o.SendSMS(context.Background(), SMS{ID: "x", To: "9876543210", Text: "hi"}); err == nil {
		t.Error("no error writing into a missing directory")
	}
	if err := o.SendMail(context.Background(), Email{To: "a@example.com"}); !errors.Is(err, ErrPermanent) {
		t.Errorf("no ID: %v", err)
	}
}

func TestNewGateways(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	cfg, err := config.Load("serve", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var logs testenv.Logs
	sms, mail, err := NewGateways(cfg, path, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	o1, ok1 := sms.(*Outbox)
	o2, ok2 := mail.(*Outbox)
	if !ok1 || !ok2 || o1 != o2 {
		t.Errorf("unconfigured: %T, %T; want one outbox for both", sms, mail)
	}

	cfg, err = config.Load("serve", nil, func(k string) string {
		return map[string]string{
			"DOORSTEP_SMS_URL":     "https://sms.example.gov.in/send?key=s3cret",
			"DOORSTEP_SMS_HEADERS": "X-Api-Key=s3cret",
			"DOORSTEP_SMTP_URL":    "smtps://doorstep:s3cret@smtp.example.gov.in",
		}[k]
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	sms, mail, err = NewGateways(cfg, path, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sms.(*HTTPSMS); !ok {
		t.Errorf("SMS gateway is %T", sms)
	}
	if g, ok := mail.(*SMTP); !ok || g.timeout != 10*time.Second {
		t.Errorf("mail gateway is %T %+v", mail, mail)
	}
	if strings.Contains(logs.String(), "s3cret") || !strings.Contains(logs.String(), "smtp.example.gov.in:465") {
		t.Errorf("log:\n%s", logs.String())
	}
}

// The file stays open between messages; a developer who removes or moves it finds the next
// messages in a new file at the path, once the outbox has looked again.
func TestOutboxFileRemovedOrMoved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "outbox.jsonl")
	o := NewOutbox(path, nil)
	defer o.Close()
	o.recheck = 0 // look every time
	send := func(id string) {
		t.Helper()
		if err := o.SendSMS(context.Background(), SMS{ID: id, To: "9876543210", Text: "hi"}); err != nil {
			t.Fatal(err)
		}
	}
	send("first")
	if err := os.Rename(path, filepath.Join(dir, "read.jsonl")); err != nil {
		t.Fatal(err)
	}
	send("second")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	send("third")
	send("fourth")
	ids := func(file string) (out []string) {
		for _, e := range readOutbox(t, filepath.Join(dir, file)) {
			out = append(out, e.ID)
		}
		return out
	}
	if got := ids("read.jsonl"); len(got) != 1 || got[0] != "first" {
		t.Errorf("moved file holds %v, want [first]", got)
	}
	if got := ids("outbox.jsonl"); len(got) != 2 || got[0] != "third" || got[1] != "fourth" {
		t.Errorf("new file holds %v, want [third fourth]", got)
	}
}
