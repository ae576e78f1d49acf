package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/notify"
	"github.com/doorstep-post/doorstep/internal/otp"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/postgres"
	"github.com/doorstep-post/doorstep/internal/store/sqlite"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// gateway is a real HTTP server standing in for an SMS/e-mail provider: it records every
// message it accepts, and refuses the first failFirst attempts of each message.
type gateway struct {
	srv       *httptest.Server
	mu        sync.Mutex
	failFirst int
	attempts  map[string]int      // message id -> attempts seen
	accepted  map[string][]string // message id -> bodies accepted
}

func newGateway(t *testing.T, failFirst int) *gateway {
	g := &gateway{failFirst: failFirst, attempts: map[string]int{}, accepted: map[string][]string{}}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct{ ID, To, Kind string }
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		g.attempts[m.ID]++
		if g.attempts[m.ID] <= g.failFirst {
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
		g.accepted[m.ID] = append(g.accepted[m.ID], m.To+" "+m.Kind)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gateway) snapshot() (attempts map[string]int, accepted map[string][]string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	attempts, accepted = map[string]int{}, map[string][]string{}
	for k, v := range g.attempts {
		attempts[k] = v
	}
	for k, v := range g.accepted {
		accepted[k] = append([]string(nil), v...)
	}
	return attempts, accepted
}

// httpDeliverer posts each notification to the gateway, as the real SMS gateway does, with
// the reference of the request it is about.
type httpDeliverer struct{ url string }

func (d httpDeliverer) Deliver(ctx context.Context, n store.Notification, about *request.Request) error {
	var reference string
	if about != nil {
		reference = string(about.Reference)
	}
	body := fmt.Sprintf(`{"id":%q,"to":%q,"kind":%q,"reference":%q}`, n.MessageID(), n.Recipient, n.Kind, reference)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, strings.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("gateway answered %d", resp.StatusCode)
	}
	return nil
}

var fastRetries = Options{RetryDelay: func(int) time.Duration { return 50 * time.Millisecond }, PollInterval: 20 * time.Millisecond}

// backend opens a fresh database of each kind with its queue (not started).
type backend struct {
	name string
	open func(t testing.TB, d Deliverer, opts Options) (store.Store, *Queue)
}

var backends = []backend{
	{"sqlite", func(t testing.TB, d Deliverer, opts Options) (store.Store, *Queue) {
		st := testenv.SQLite(t)
		q, err := NewSQLite(context.Background(), st, d, slog.New(slog.DiscardHandler), opts)
		if err != nil {
			t.Fatal(err)
		}
		return st, q
	}},
	{"postgres", func(t testing.TB, d Deliverer, opts Options) (store.Store, *Queue) {
		st := testenv.Postgres(t)
		q, err := NewPostgres(context.Background(), st, d, slog.New(slog.DiscardHandler), opts)
		if err != nil {
			t.Fatal(err)
		}
		return st, q
	}},
}

func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b) })
	}
}

func submit(t *testing.T, st store.Store, mobile string) request.Request {
	t.Helper()
	res, err := intake.New(st, testenv.Directory(t), catalogue.New(st)).Submit(context.Background(), request.Submission{
		Name: "Asha Devi", Address: "12 Gandhi Road, Connaught Place", Pincode: "110001", Email: "asha@example.com",
		Mobile: mobile, Service: "emoney_order", Language: "hi"}, "")
	if err != nil {
		t.Fatal(err)
	}
	return res.Request
}

func start(t *testing.T, q *Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
}

// waitUntil polls cond until it holds, and fails the test saying what did not happen if it
// still does not after timeout.
func waitUntil(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("gave up after %v waiting until %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitFor polls the notifications of a request until done says so, or fails after 15 s.
func waitFor(t *testing.T, st store.Store, requestID int64, done func([]store.Notification) bool) []store.Notification {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		notes, err := st.NotificationsForRequest(context.Background(), requestID)
		if err != nil {
			t.Fatal(err)
		}
		if done(notes) {
			return notes
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting; notifications: %+v", notes)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// notificationJobs counts the queue's notification jobs by state, as River's table has them.
func notificationJobs(t *testing.T, st store.Store) map[string]int {
	t.Helper()
	ctx := context.Background()
	const query = `SELECT state, count(*) FROM river_job WHERE kind = 'notification' GROUP BY state`
	counts := map[string]int{}
	switch st := st.(type) {
	case *sqlite.Store:
		rows, err := st.Writer().QueryContext(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var state string
			var n int
			if err := rows.Scan(&state, &n); err != nil {
				t.Fatal(err)
			}
			counts[state] = n
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	case *postgres.Store:
		rows, err := st.Pool().Query(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var state string
			var n int
			if err := rows.Scan(&state, &n); err != nil {
				t.Fatal(err)
			}
			counts[state] = n
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("no job table for %T", st)
	}
	return counts
}

// waitForJobsFinished waits until the queue has notification jobs and every one of them is in
// a final state (completed, discarded or cancelled): no attempt is running or still to come,
// so what the gateway saw is all it will see.
func waitForJobsFinished(t *testing.T, st store.Store) {
	t.Helper()
	var counts map[string]int
	finished := false
	defer func() {
		if !finished { // waitUntil gave up (deferred calls run after t.Fatal too)
			t.Logf("notification jobs by state: %v", counts)
		}
	}()
	waitUntil(t, 15*time.Second, "every notification job is finished", func() bool {
		counts = notificationJobs(t, st)
		total, done := 0, 0
		for state, n := range counts {
			total += n
			if state == "completed" || state == "discarded" || state == "cancelled" {
				done += n
			}
		}
		return total > 0 && done == total
	})
	finished = true
}

func allIn(status string) func([]store.Notification) bool {
	return func(notes []store.Notification) bool {
		for _, n := range notes {
			if n.Status != status {
				return false
			}
		}
		return len(notes) > 0
	}
}

func TestSubmissionSendsSMSAndEmail(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		gw := newGateway(t, 0)
		st, q := b.open(t, httpDeliverer{gw.srv.URL}, fastRetries)
		start(t, q)
		req := submit(t, st, "9876543210")
		notes := waitFor(t, st, req.ID, allIn(store.NotificationSent))
		_, accepted := gw.snapshot()
		if len(notes) != 2 || len(accepted) != 2 {
			t.Fatalf("notifications %+v, gateway accepted %v", notes, accepted)
		}
		if got := accepted[notes[0].MessageID()]; len(got) != 1 || got[0] != "9876543210 submitted" {
			t.Errorf("sms: %v", got)
		}
		if got := accepted[notes[1].MessageID()]; len(got) != 1 || got[0] != "asha@example.com submitted" {
			t.Errorf("email: %v", got)
		}
		for _, n := range notes {
			if n.Attempts != 1 || n.SentAt.IsZero() || n.LastError != "" {
				t.Errorf("notification %+v", n)
			}
		}
	})
}

func TestFailingGatewayIsRetriedAndDeliversOnce(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		gw := newGateway(t, 3)
		st, q := b.open(t, httpDeliverer{gw.srv.URL}, fastRetries)
		start(t, q)
		req := submit(t, st, "9876543211")
		notes := waitFor(t, st, req.ID, allIn(store.NotificationSent))
		attempts, accepted := gw.snapshot()
		for _, n := range notes {
			if attempts[n.MessageID()] != 4 || len(accepted[n.MessageID()]) != 1 || n.Attempts != 4 {
				t.Errorf("%s: gateway saw %d attempts, accepted %d times; row says %d attempts",
					n.MessageID(), attempts[n.MessageID()], len(accepted[n.MessageID()]), n.Attempts)
			}
		}
	})
}

func TestLastFailedAttemptMarksFailedWithReason(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		gw := newGateway(t, 100)
		opts := fastRetries
		opts.MaxAttempts = 3
		st, q := b.open(t, httpDeliverer{gw.srv.URL}, opts)
		start(t, q)
		req := submit(t, st, "9876543212")
		notes := waitFor(t, st, req.ID, allIn(store.NotificationFailed))
		for _, n := range notes {
			if n.Attempts != 3 || n.LastError != "gateway answered 503" || !n.SentAt.IsZero() {
				t.Errorf("failed notification %+v", n)
			}
		}
	})
}

// TestRolledBackTransactionQueuesNothing: a job inserted in a transaction that rolls back is
// not in the table, and the messages it was for are never sent, even once the queue has
// worked a job queued after it.
func TestRolledBackTransactionQueuesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// pending saves a request's messages without a job, and returns their ids.
	pending := func(t *testing.T, st store.Store) []int64 {
		var req request.Request
		withoutQueue(st, func() { req = submit(t, st, "9876543217") })
		notes, err := st.NotificationsForRequest(ctx, req.ID)
		if err != nil || len(notes) != 2 {
			t.Fatalf("notifications %+v, %v", notes, err)
		}
		return []int64{notes[0].ID, notes[1].ID}
	}
	// nothingSent starts the queue and works a later request's job to the end: River works
	// jobs oldest first, so a job that survived the rollback would have been worked by then.
	nothingSent := func(t *testing.T, st store.Store, q *Queue, gw *gateway, ids []int64) {
		start(t, q)
		later := submit(t, st, "9876543218")
		waitFor(t, st, later.ID, allIn(store.NotificationSent))
		waitForJobsFinished(t, st)
		if jobs := notificationJobs(t, st); jobs["completed"] != 1 {
			t.Errorf("notification jobs by state %v, want the later request's one, completed", jobs)
		}
		attempts, _ := gw.snapshot()
		for _, id := range ids {
			n, err := st.Notification(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if attempts[n.MessageID()] != 0 || n.Status != store.NotificationQueued {
				t.Errorf("a message of the rolled-back job: %d attempts at the gateway, status %s", attempts[n.MessageID()], n.Status)
			}
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		gw := newGateway(t, 0)
		st := testenv.SQLite(t)
		q, err := NewSQLite(ctx, st, httpDeliverer{gw.srv.URL}, slog.New(slog.DiscardHandler), fastRetries)
		if err != nil {
			t.Fatal(err)
		}
		ids := pending(t, st)
		tx, err := st.Writer().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.enqueueSQLite(ctx, tx, ids); err != nil {
			t.Fatal(err)
		}
		var inTx int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM river_job`).Scan(&inTx); err != nil || inTx != 1 {
			t.Fatalf("jobs inside the transaction: %d, %v", inTx, err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		var after int
		if err := st.Writer().QueryRowContext(ctx, `SELECT count(*) FROM river_job`).Scan(&after); err != nil || after != 0 {
			t.Errorf("jobs after rollback: %d, %v", after, err)
		}
		nothingSent(t, st, q, gw, ids)
	})
	t.Run("postgres", func(t *testing.T) {
		gw := newGateway(t, 0)
		st := testenv.Postgres(t)
		q, err := NewPostgres(ctx, st, httpDeliverer{gw.srv.URL}, slog.New(slog.DiscardHandler), fastRetries)
		if err != nil {
			t.Fatal(err)
		}
		ids := pending(t, st)
		tx, err := st.Pool().Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.enqueuePostgres(ctx, tx, ids); err != nil {
			t.Fatal(err)
		}
		var inTx int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&inTx); err != nil || inTx != 1 {
			t.Fatalf("jobs inside the transaction: %d, %v", inTx, err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		var after int
		if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&after); err != nil || after != 0 {
			t.Errorf("jobs after rollback: %d, %v", after, err)
		}
		nothingSent(t, st, q, gw, ids)
	})
}

// TestQueuedMessagesSurviveARestart: messages queued while no worker runs (the server
// stopped) go out when the next process starts its queue on the same database.
func TestQueuedMessagesSurviveARestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	discard := slog.New(slog.DiscardHandler)
	run := func(t *testing.T, open func() store.Store, queue func(store.Store, Deliverer) (*Queue, error)) {
		gw := newGateway(t, 0)
		st := open()
		if _, err := queue(st, httpDeliverer{gw.srv.URL}); err != nil { // enqueues, never started
			t.Fatal(err)
		}
		var reqs []request.Request
		for i := range 3 {
			reqs = append(reqs, submit(t, st, fmt.Sprintf("987654330%d", i)))
		}
		if err := st.Close(); err != nil { // the process stops before any worker ran
			t.Fatal(err)
		}
		st = open()
		// Closed after the queue stops (cleanups run last first): a queue stopping on a
		// closed database waits out start's 10 s for its last writes.
		t.Cleanup(func() { st.Close() })
		q, err := queue(st, httpDeliverer{gw.srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		start(t, q)
		for _, r := range reqs {
			waitFor(t, st, r.ID, allIn(store.NotificationSent))
		}
		if _, accepted := gw.snapshot(); len(accepted) != 6 {
			t.Errorf("gateway accepted %d messages, want 6", len(accepted))
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "doorstep.db")
		run(t, func() store.Store {
			st, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Migrate(ctx, discard); err != nil {
				t.Fatal(err)
			}
			return st
		}, func(st store.Store, d Deliverer) (*Queue, error) {
			return NewSQLite(ctx, st.(*sqlite.Store), d, discard, fastRetries)
		})
	})
	t.Run("postgres", func(t *testing.T) {
		url := testenv.PostgresURL(t)
		run(t, func() store.Store {
			st, err := postgres.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Migrate(ctx, discard); err != nil {
				t.Fatal(err)
			}
			return st
		}, func(st store.Store, d Deliverer) (*Queue, error) {
			return NewPostgres(ctx, st.(*postgres.Store), d, discard, fastRetries)
		})
	})
}

func TestPermanentFailureIsNotRetried(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		gw := newGateway(t, 100)
		opts := fastRetries
		opts.Permanent = func(err error) bool { return strings.Contains(err.Error(), "503") }
		st, q := b.open(t, httpDeliverer{gw.srv.URL}, opts)
		start(t, q)
		req := submit(t, st, "9876543213")
		notes := waitFor(t, st, req.ID, allIn(store.NotificationFailed))
		// A wrong retry would keep the job retryable, then work it again: once it is
		// finished, the gateway has seen every attempt there will be.
		waitForJobsFinished(t, st)
		attempts, _ := gw.snapshot()
		for _, n := range notes {
			if n.Attempts != 1 || attempts[n.MessageID()] != 1 {
				t.Errorf("%s: %d attempts recorded, %d seen by the gateway; want 1", n.MessageID(), n.Attempts, attempts[n.MessageID()])
			}
		}
	})
}

// TestMailServerDownForAWhile: e-mail to an SMTP server that is down is retried, and
// delivered once the server is back; the SMS goes out at once meanwhile.
func TestMailServerDownForAWhile(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there yet
		templates, err := notify.LoadTemplates()
		if err != nil {
			t.Fatal(err)
		}
		mail, err := notify.NewSMTP("smtp://"+addr+"?tls=none", "Doorstep <no-reply@doorstep.example.in>", 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		sender := &notify.Sender{Templates: templates, Mail: mail, PublicURL: "https://ds.example.in",
			SMS: notify.NewOutbox(filepath.Join(t.TempDir(), "outbox.jsonl"), slog.New(slog.DiscardHandler))}
		opts := fastRetries
		opts.Permanent = notify.Permanent
		opts.RetryDelay = func(int) time.Duration { return 200 * time.Millisecond }
		st, q := b.open(t, sender, opts)
		sender.Services = catalogue.New(st)
		start(t, q)
		req := submit(t, st, "9876543214")

		// While the server is down: the SMS is sent, the e-mail waits for a retry.
		waitFor(t, st, req.ID, func(notes []store.Notification) bool {
			return len(notes) == 2 && notes[0].Status == store.NotificationSent &&
				notes[1].Status == store.NotificationRetrying && notes[1].Attempts >= 2
		})
		_, mailbox := testenv.SMTPServerAt(t, addr)
		notes := waitFor(t, st, req.ID, allIn(store.NotificationSent))
		mails := mailbox.All()
		if len(mails) != 1 || !strings.Contains(strings.ReplaceAll(string(mails[0].Data), "=\r\n", ""), req.Reference.String()) {
			t.Fatalf("%d mails received: %v", len(mails), mails)
		}
		if notes[1].Attempts < 3 || notes[1].LastError != "" {
			t.Errorf("e-mail notification %+v: want at least 3 attempts, the last one clean", notes[1])
		}
	})
}

// TestOneTimeCodeSentThenForgotten: the code's SMS is queued with the code itself, and the
// clear code is erased from the notification once sent.
func TestOneTimeCodeSentThenForgotten(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		gw := newGateway(t, 1)
		st, q := b.open(t, httpDeliverer{gw.srv.URL}, fastRetries)
		start(t, q)
		code := otp.NewCode()
		now := time.Now().UTC().Truncate(time.Millisecond)
		err := st.CreateOTP(context.Background(), store.NewOTP{Mobile: "9876543215", Code: otp.Hash(code), CreatedAt: now,
			ExpiresAt: now.Add(otp.TTL), Notification: &store.NewNotification{Channel: "sms", Kind: "otp",
				Recipient: "9876543215", Language: request.English, Secret: code}})
		if err != nil {
			t.Fatal(err)
		}
		// Sent is recorded after the gateway accepted it.
		var id string
		waitUntil(t, 15*time.Second, "the code's SMS is accepted by the gateway and recorded as sent", func() bool {
			_, accepted := gw.snapshot()
			if len(accepted) != 1 {
				return false
			}
			for messageID := range accepted {
				id = messageID
			}
			note, err := st.Notification(context.Background(), messageNumber(t, id))
			if err != nil {
				t.Fatal(err)
			}
			return note.Status == store.NotificationSent
		})
		_, accepted := gw.snapshot()
		note, err := st.Notification(context.Background(), messageNumber(t, id))
		if err != nil || accepted[id][0] != "9876543215 otp" {
			t.Fatalf("%v %v", accepted[id], err)
		}
		if note.Secret != "" || note.Attempts != 2 {
			t.Errorf("after sending: %+v", note)
		}
	})
}

// messageNumber is the notification id in a message id (doorstep-ID-sms).
func messageNumber(t *testing.T, messageID string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscanf(messageID, "doorstep-%d-sms", &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFailedMessageSentAgainOnRequest: staff retry a message that failed for good; it goes
// out through the queue once the gateway works again.
func TestFailedMessageSentAgainOnRequest(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		gw := newGateway(t, 2) // two refusals per message
		opts := fastRetries
		opts.MaxAttempts = 2
		st, q := b.open(t, httpDeliverer{gw.srv.URL}, opts)
		start(t, q)
		req := submit(t, st, "9876543216")
		notes := waitFor(t, st, req.ID, allIn(store.NotificationFailed))
		for _, n := range notes {
			if err := st.RetryNotification(context.Background(), n.ID, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, st, req.ID, allIn(store.NotificationSent))
		attempts, accepted := gw.snapshot()
		for _, n := range notes {
			if attempts[n.MessageID()] != 3 || len(accepted[n.MessageID()]) != 1 {
				t.Errorf("%s: %d attempts, accepted %d times", n.MessageID(), attempts[n.MessageID()], len(accepted[n.MessageID()]))
			}
		}
	})
}
