// Package jobs is Doorstep's durable job queue (River), on the same database as the requests:
// a notification's job is inserted in the transaction that saves the change causing it, so it
// is sent if and only if that transaction commits, and it survives restarts. On PostgreSQL,
// River hands each job to exactly one of the running instances.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/postgres"
	"github.com/doorstep-post/doorstep/internal/store/sqlite"
)

// NotificationArgs is the job that sends the notifications of one change (the SMS and the
// e-mail of a submission): one job rather than one per message, because on SQLite every job
// is several writes on the single writer connection.
type NotificationArgs struct {
	NotificationIDs []int64 `json:"notification_ids"`
}

// Kind names the job in River's table.
func (NotificationArgs) Kind() string { return "notification" }

// Deliverer sends one notification through its gateway. It is called once per attempt, and
// for several notifications at once. about is the request the notification is about, as it is
// now; nil for a one-time code, or if the request no longer exists.
type Deliverer interface {
	Deliver(ctx context.Context, n store.Notification, about *request.Request) error
}

// Options tune the queue; the zero value is the production setting.
type Options struct {
	// MaxAttempts before a notification is marked failed (default 8).
	MaxAttempts int
	// RetryDelay gives the wait after failed attempt n (default: 10s, 30s, 1m, 5m, 15m, 30m, 1h).
	RetryDelay func(attempt int) time.Duration
	// PollInterval is how often a worker looks for jobs when it was not told of new ones
	// (default 1s; SQLite has no notifications, so it always polls).
	PollInterval time.Duration
	// Workers is how many jobs are worked at once per instance (default 32). Sending is
	// mostly waiting for a gateway, so it takes many: with 8, and River's default 100 ms
	// between fetches, one instance sent at most 160 messages/s (BenchmarkSendBacklog).
	Workers int
	// Sends is how many messages one instance sends at once, across all its jobs (default
	// 64): a job holds the messages of a group of submissions, up to a hundred or so, and a
	// gateway should not see hundreds of connections from one instance.
	Sends int
	// Permanent tells a failure that no retry can fix (a malformed recipient, a refusal);
	// such a notification is marked failed at once. Default: none is.
	Permanent func(error) bool
}

func (o Options) withDefaults() Options {
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 8
	}
	if o.RetryDelay == nil {
		o.RetryDelay = defaultRetryDelay
	}
	if o.PollInterval == 0 {
		o.PollInterval = time.Second
	}
	if o.Workers == 0 {
		o.Workers = 32
	}
	if o.Sends == 0 {
		o.Sends = 64
	}
	permanent := o.Permanent
	o.Permanent = func(err error) bool {
		return errors.Is(err, errGone) || (permanent != nil && permanent(err))
	}
	return o
}

// defaultRetryDelay spreads eight attempts over about two hours: a gateway outage of that
// length still delivers every message.
func defaultRetryDelay(attempt int) time.Duration {
	delays := []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute,
		15 * time.Minute, 30 * time.Minute, time.Hour}
	return delays[min(max(attempt-1, 0), len(delays)-1)]
}

// Queue runs the workers of one instance.
type Queue struct {
	start func(ctx context.Context) error
	stop  func(ctx context.Context) error
	// The hook given to the store, kept for tests.
	enqueueSQLite   sqlite.Enqueuer
	enqueuePostgres postgres.Enqueuer
}

// Start begins working jobs; it returns at once.
func (q *Queue) Start(ctx context.Context) error { return q.start(ctx) }

// Stop waits for jobs being worked to finish (or ctx to end); queued jobs stay in the
// database for the next start.
func (q *Queue) Stop(ctx context.Context) error { return q.stop(ctx) }

// notificationStore is what sending needs of the database.
type notificationStore interface {
	Notifications(ctx context.Context, ids []int64) ([]store.Notification, error)
	RequestsByIDs(ctx context.Context, ids []int64) ([]request.Request, error)
	RecordAttempts(ctx context.Context, attempts []store.Attempt) error
}

type notificationWorker struct {
	river.WorkerDefaults[NotificationArgs]
	store   notificationStore
	deliver Deliverer
	opts    Options
	log     *slog.Logger
	sends   chan struct{} // a slot per message being sent (Options.Sends)
}

// Work sends each notification of the job not sent yet, several at once, and records the
// outcomes on their rows, where staff see them, in one write. A job may hold the messages of
// a whole group of submissions, so it reads them, and their requests, in one query each. A
// retry sends only what is still unsent.
func (w *notificationWorker) Work(ctx context.Context, job *river.Job[NotificationArgs]) error {
	notes, err := w.store.Notifications(ctx, job.Args.NotificationIDs)
	if err != nil {
		return err
	}
	// Rows that no longer exist (their job outlived them) have nothing to send.
	var pending []store.Notification
	var requestIDs []int64
	for _, n := range notes {
		if n.Status == store.NotificationSent || n.Status == store.NotificationFailed {
			continue // done by an earlier attempt
		}
		pending = append(pending, n)
		if n.RequestID != 0 {
			requestIDs = append(requestIDs, n.RequestID)
		}
	}
	requests, err := w.store.RequestsByIDs(ctx, requestIDs) // a request's two messages: its id twice
	if err != nil {
		return err
	}
	byID := make(map[int64]*request.Request, len(requests))
	for i := range requests {
		byID[requests[i].ID] = &requests[i]
	}

	attempts := make([]store.Attempt, len(pending))
	errs := make([]error, len(pending))
	var wg sync.WaitGroup
	for i, n := range pending {
		w.sends <- struct{}{}
		wg.Go(func() {
			defer func() { <-w.sends }()
			attempts[i], errs[i] = w.send(ctx, job, n, byID[n.RequestID])
		})
	}
	wg.Wait()

	var retry []error
	for _, err := range errs {
		if err != nil && !w.opts.Permanent(err) {
			retry = append(retry, err)
		}
	}
	if len(attempts) > 0 {
		// Even if the job's time ran out: what was sent must be recorded, or it is sent again.
		if err := w.store.RecordAttempts(context.WithoutCancel(ctx), attempts); err != nil {
			return errors.Join(append(retry, err)...)
		}
	}
	return errors.Join(retry...) // nil: all sent, or failed for good
}

// send makes one attempt at one notification.
func (w *notificationWorker) send(ctx context.Context, job *river.Job[NotificationArgs], n store.Notification, about *request.Request) (store.Attempt, error) {
	var sendErr error
	if n.RequestID != 0 && about == nil {
		sendErr = fmt.Errorf("%w: request %d", errGone, n.RequestID)
	} else {
		sendErr = w.deliver.Deliver(ctx, n, about)
	}
	permanent := sendErr != nil && w.opts.Permanent(sendErr)
	attempt := store.Attempt{NotificationID: n.ID, Number: job.Attempt, At: time.Now().UTC(),
		Final: sendErr != nil && (permanent || job.Attempt >= job.MaxAttempts)}
	if sendErr != nil {
		attempt.Err = sendErr.Error()
		w.log.WarnContext(ctx, "notification not sent", "notification", n.ID, "channel", n.Channel, "kind", n.Kind,
			"attempt", job.Attempt, "final", attempt.Final, "err", sendErr)
	}
	return attempt, sendErr
}

// errGone: what a notification is about no longer exists; nothing to send.
var errGone = errors.New("no longer exists")

func (w *notificationWorker) NextRetry(job *river.Job[NotificationArgs]) time.Time {
	return time.Now().Add(w.opts.RetryDelay(job.Attempt))
}

// Timeout gives a job a minute per 16 messages: a job of a large group, waiting for its turn
// to send behind other jobs, still finishes. (Each message has its gateway's own timeout.)
func (w *notificationWorker) Timeout(job *river.Job[NotificationArgs]) time.Duration {
	return time.Duration(max(1, (len(job.Args.NotificationIDs)+15)/16)) * time.Minute
}

func config(st store.Store, deliver Deliverer, log *slog.Logger, opts Options) *river.Config {
	workers := river.NewWorkers()
	river.AddWorker(workers, &notificationWorker{store: st, deliver: deliver, opts: opts, log: log,
		sends: make(chan struct{}, opts.Sends)})
	river.AddWorker(workers, &cleanupWorker{store: st, log: log})
	return &river.Config{
		// River runs periodic jobs on one instance at a time (its elected leader).
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(CleanupInterval),
			func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, nil },
			&river.PeriodicJobOpts{ID: "cleanup", RunOnStart: true})},
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.Workers}},
		Workers:           workers,
		MaxAttempts:       opts.MaxAttempts,
		FetchPollInterval: opts.PollInterval,
		// While jobs are waiting, fetch again soon: River's default 100 ms capped sending at
		// a few hundred messages/s however many workers were free.
		FetchCooldown: min(opts.PollInterval, 20*time.Millisecond),
		Logger:        log.With("component", "river"),
	}
}

func insertArgs(ids []int64) NotificationArgs {
	return NotificationArgs{NotificationIDs: ids}
}

// NewSQLite migrates River's tables into the SQLite database, connects the store's enqueue
// hook and returns the queue. River shares the store's single writer connection.
func NewSQLite(ctx context.Context, st *sqlite.Store, deliver Deliverer, log *slog.Logger, opts Options) (*Queue, error) {
	opts = opts.withDefaults()
	driver := riversqlite.New(st.Writer())
	if err := migrate(ctx, driver, log); err != nil {
		return nil, err
	}
	client, err := river.NewClient(driver, config(st, deliver, log, opts))
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	// Without reading the row back (its JSON columns converted to text: a fifth of the
	// insert's time in a profile).
	enqueue := func(ctx context.Context, tx *sql.Tx, ids []int64) error {
		_, err := client.InsertManyFastTx(ctx, tx, []river.InsertManyParams{{Args: insertArgs(ids)}})
		return err
	}
	st.SetEnqueuer(enqueue)
	return &Queue{start: client.Start, stop: client.Stop, enqueueSQLite: enqueue}, nil
}

// NewPostgres migrates River's tables into the PostgreSQL database, connects the store's
// enqueue hook and returns the queue.
func NewPostgres(ctx context.Context, st *postgres.Store, deliver Deliverer, log *slog.Logger, opts Options) (*Queue, error) {
	opts = opts.withDefaults()
	driver := riverpgxv5.New(st.Pool())
	if err := migrate(ctx, driver, log); err != nil {
		return nil, err
	}
	client, err := river.NewClient(driver, config(st, deliver, log, opts))
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	enqueue := func(ctx context.Context, tx pgx.Tx, ids []int64) error {
		_, err := client.InsertTx(ctx, tx, insertArgs(ids), nil)
		return err
	}
	st.SetEnqueuer(enqueue)
	return &Queue{start: client.Start, stop: client.Stop, enqueuePostgres: enqueue}, nil
}

func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], log *slog.Logger) error {
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: log.With("component", "river")})
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	// River logs each migration it applies.
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate River's tables: %w", err)
	}
	return nil
}
