package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/groupcommit"
)

// Group commit (package groupcommit): submissions that arrive while others are being written
// wait, and are then written together in one transaction: four round trips, one commit and one
// job for the whole group, where each submission alone cost the same. The job queue's work
// (fetching, completing, recording what was sent) is then per group too. Under load this
// more than halved the database's work per submission.
//
// Instances do not share memory, so the idempotency and duplicate checks are serialised by
// transaction-scoped advisory locks on the idempotency key and on the mobile number: two
// instances receiving the same submission at once cannot both insert it. A transaction takes
// all its locks in one statement, in the order of their hash, so two groups can never each
// hold a lock the other waits for.

const (
	// maxGroup bounds a group, and so how long the locks of its transaction are held.
	maxGroup = 64
	// groupWriters: groups written at once by one instance. One is being written while the
	// next gathers; more only add lock waits.
	groupWriters = 2
)

func (s *Store) newSubmissionQueue() *groupcommit.Queue[store.Submission, store.SubmitResult] {
	return groupcommit.New(maxGroup, groupWriters, s.writeGroup)
}

// Submit implements store.Store.
func (s *Store) Submit(ctx context.Context, sub store.Submission) (store.SubmitResult, error) {
	return s.submissions.Do(ctx, sub)
}

type submitCall = groupcommit.Call[store.Submission, store.SubmitResult]

// writeGroup writes the group in as few transactions as its rules allow. Two submissions of
// one mobile or one idempotency key go in successive transactions, the second seeing the
// first's rows. If a transaction fails, each of its submissions is tried alone, so that one
// that cannot be saved does not take the others with it.
func (s *Store) writeGroup(ctx context.Context, group []*submitCall) error {
	var pending []*submitCall
	for _, c := range group {
		if c.Err = c.Ctx.Err(); c.Err == nil { // a caller that has gone is not written
			pending = append(pending, c)
		}
	}
	for len(pending) > 0 {
		var now, later []*submitCall
		taken := map[string]bool{}
		for _, c := range pending {
			keys := lockKeys(c.In)
			if slices.ContainsFunc(keys, func(k string) bool { return taken[k] }) {
				later = append(later, c)
				continue
			}
			for _, k := range keys {
				taken[k] = true
			}
			now = append(now, c)
		}
		if err := s.writeTx(ctx, now); err != nil {
			if len(now) == 1 {
				now[0].Out, now[0].Err = store.SubmitResult{}, err
			} else {
				// A deadlock here would mean the lock order is broken: worth a look.
				s.log.WarnContext(ctx, "a group of submissions failed; writing them one at a time",
					"submissions", len(now), "err", err)
				for _, c := range now {
					if err := s.writeTx(ctx, []*submitCall{c}); err != nil {
						c.Out, c.Err = store.SubmitResult{}, err
					}
				}
			}
		}
		pending = later
	}
	return nil
}

// lockKeys are the advisory locks a submission needs: its idempotency key's and its mobile's.
func lockKeys(sub store.Submission) []string {
	keys := []string{"mobile:" + sub.Request.Mobile}
	if sub.IdempotencyKey != "" {
		keys = append(keys, "idempotency:"+sub.IdempotencyKey)
	}
	return keys
}

// check is what the database holds that decides a submission's fate.
type check struct {
	keySeen      bool // the idempotency key was used before
	fingerprint  string
	keyRequestID int64
	wasDuplicate bool
	duplicateID  int64 // an open request for the same thing, 0 if none
}

const (
	queryLock = `SELECT pg_advisory_xact_lock(h)
		FROM (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($1::text[]) AS k) AS keys
		ORDER BY h` // volatile functions run after the sort: the locks are taken in this order
	queryIdempotencyKey = `SELECT fingerprint, request_id, duplicate FROM idempotency_keys WHERE key = $1`
	queryOpenDuplicate  = `SELECT id FROM requests
		WHERE mobile = $1 AND service_code = $2 AND pincode = $3 AND status = ANY($4) AND created_at >= $5
		ORDER BY created_at DESC LIMIT 1`
	// The request (with its history), its idempotency key and its notifications in one
	// statement. A reference already taken inserts nothing and returns a NULL id.
	queryInsertRequest = `
		WITH inserted AS (
			INSERT INTO requests (reference, service_code, name, address, pincode, email, mobile, details, language,
				division, region, circle, district, state, status, history, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
			ON CONFLICT (reference) DO NOTHING
			RETURNING id, created_at
		), unfolded AS (
			INSERT INTO dashboard_unfolded (request_id, service_code, division, region, circle, created_at)
			SELECT id, $2, $10, $11, $12, created_at FROM inserted
		), idempotency AS (
			INSERT INTO idempotency_keys (key, fingerprint, request_id, duplicate, created_at)
			SELECT $19, $20, id, FALSE, created_at FROM inserted WHERE $19 <> ''
		), notes AS (
			INSERT INTO notifications (request_id, channel, kind, recipient, language, secret, status, created_at, updated_at)
			SELECT inserted.id, n.channel, n.kind, n.recipient, n.language, n.secret, 'queued', inserted.created_at, inserted.created_at
			FROM inserted, unnest($21::text[], $22::text[], $23::text[], $24::text[], $25::text[])
				WITH ORDINALITY AS n(channel, kind, recipient, language, secret, position)
			ORDER BY n.position
			RETURNING id
		)
		SELECT (SELECT id FROM inserted), COALESCE((SELECT array_agg(id ORDER BY id) FROM notes), '{}')`
	queryInsertDuplicateKey = `INSERT INTO idempotency_keys (key, fingerprint, request_id, duplicate, created_at)
		VALUES ($1, $2, $3, TRUE, $4)`
)

// writeTx writes calls in one transaction on a connection of its own: BEGIN, the locks and
// the checks in one round trip; the reads and inserts in another; the job; COMMIT. It sets
// each call's answer, which stands only if it returns nil. On failure the connection is
// released mid-transaction, which makes the pool close it, and the server rolls back.
func (s *Store) writeTx(ctx context.Context, calls []*submitCall) error {
	pooled, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer pooled.Release()

	var keys []string
	for _, c := range calls {
		keys = append(keys, lockKeys(c.In)...)
	}
	batch := &pgx.Batch{}
	batch.BeginTx(pgx.TxOptions{})
	batch.Queue(queryLock, keys)
	for _, c := range calls {
		r := c.In.Request
		if c.In.IdempotencyKey != "" {
			batch.Queue(queryIdempotencyKey, c.In.IdempotencyKey)
		}
		batch.Queue(queryOpenDuplicate, r.Mobile, r.ServiceCode, r.Pincode, openStatuses, c.In.DuplicateSince)
	}
	results := pooled.Conn().SendBatch(ctx, batch)
	tx := results.Tx()
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	checks, err := readChecks(results, calls)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}

	// The answers: an earlier request read back for a replay or a duplicate, or a new one.
	inserts := make([]*insertion, 0, len(calls))
	batch = &pgx.Batch{}
	for i, c := range calls {
		c.Out, c.Err = store.SubmitResult{}, nil
		switch ch := checks[i]; {
		case ch.keySeen:
			seen := store.SeenKey{Fingerprint: ch.fingerprint, RequestID: ch.keyRequestID, Duplicate: ch.wasDuplicate}
			if c.Out, c.Err = seen.Answer(c.In.Fingerprint); c.Err == nil {
				queueReadBack(batch, c, ch.keyRequestID)
			}
		case ch.duplicateID != 0:
			c.Out = store.SubmitResult{Duplicate: true}
			queueReadBack(batch, c, ch.duplicateID)
			if c.In.IdempotencyKey != "" {
				batch.Queue(queryInsertDuplicateKey, c.In.IdempotencyKey, c.In.Fingerprint, ch.duplicateID,
					c.In.Request.CreatedAt)
			}
		default:
			inserts = append(inserts, newInsertion(c))
		}
	}
	// The new requests are not counted by the dashboard here: each is added to
	// dashboard_unfolded with its row, and a fold counts them (store.Folder).
	made := len(inserts)
	var notificationIDs []int64
	for attempt := 0; batch.Len() > 0 || len(inserts) > 0; attempt++ {
		if attempt == referenceAttempts {
			return fmt.Errorf("postgres: no free reference after %d attempts", referenceAttempts)
		}
		for _, in := range inserts {
			in.queue(batch)
		}
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return fmt.Errorf("postgres: save submissions: %w", err)
		}
		// A reference already taken (at 31^9 references, vanishingly rare) is drawn again.
		var retry []*insertion
		for _, in := range inserts {
			if in.saved {
				notificationIDs = append(notificationIDs, in.notificationIDs...)
			} else {
				retry = append(retry, in)
			}
		}
		inserts, batch = retry, &pgx.Batch{}
	}
	if s.enqueue != nil && len(notificationIDs) > 0 {
		if err := s.enqueue(ctx, tx, notificationIDs); err != nil {
			return fmt.Errorf("postgres: queue notifications: %w", err)
		}
	}
	if err := commit(ctx, tx); err != nil {
		return err
	}
	s.folder.Submitted(made)
	return nil
}

// readChecks reads the first batch's results: BEGIN, the locks, and each call's checks.
func readChecks(results pgx.BatchResults, calls []*submitCall) ([]check, error) {
	defer results.Close()
	if _, err := results.Exec(); err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	if _, err := results.Exec(); err != nil {
		return nil, fmt.Errorf("advisory locks: %w", err)
	}
	checks := make([]check, len(calls))
	for i, c := range calls {
		ch := &checks[i]
		if c.In.IdempotencyKey != "" {
			err := results.QueryRow().Scan(&ch.fingerprint, &ch.keyRequestID, &ch.wasDuplicate)
			switch {
			case err == nil:
				ch.keySeen = true
			case !errors.Is(err, pgx.ErrNoRows):
				return nil, fmt.Errorf("idempotency key: %w", err)
			}
		}
		if err := results.QueryRow().Scan(&ch.duplicateID); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("duplicate check: %w", err)
		}
	}
	return checks, results.Close()
}

// queueReadBack reads the request a replay or a duplicate answers with into the call's answer.
func queueReadBack(batch *pgx.Batch, c *submitCall, id int64) {
	batch.Queue(queryRequestByID, id).QueryRow(func(row pgx.Row) error {
		req, err := scanRequest(row)
		if err != nil {
			return notFound(err, "request by id")
		}
		c.Out.Request = req
		return nil
	})
}

// insertion is a new request on its way in, with its arguments ready.
type insertion struct {
	call            *submitCall
	request         request.Request
	history         string
	notes           [5][]string // channels, kinds, recipients, languages, secrets
	saved           bool        // false: its reference was taken; draw another
	notificationIDs []int64
}

func newInsertion(c *submitCall) *insertion {
	r := c.In.Request
	r.Status = request.StatusSubmitted
	r.UpdatedAt = r.CreatedAt
	r.History = []request.Event{{Status: request.StatusSubmitted, At: r.CreatedAt}}
	in := &insertion{call: c, request: r}
	in.history, _ = store.EncodeHistory(r.History) // cannot fail: times and strings
	for _, n := range c.In.Notifications {
		in.notes[0], in.notes[1] = append(in.notes[0], n.Channel), append(in.notes[1], n.Kind)
		in.notes[2], in.notes[3] = append(in.notes[2], n.Recipient), append(in.notes[3], string(n.Language))
		in.notes[4] = append(in.notes[4], n.Secret)
	}
	return in
}

// queue adds the insert, under a newly drawn reference, to batch.
func (in *insertion) queue(batch *pgx.Batch) {
	r := &in.request
	r.Reference = in.call.In.NewReference()
	sub := in.call.In
	batch.Queue(queryInsertRequest,
		r.Reference, r.ServiceCode, r.Name, r.Address, r.Pincode, r.Email, r.Mobile, r.Details, r.Language,
		r.Division, r.Region, r.Circle, r.District, r.State, r.Status, in.history, r.CreatedAt, r.UpdatedAt,
		sub.IdempotencyKey, sub.Fingerprint, in.notes[0], in.notes[1], in.notes[2], in.notes[3], in.notes[4],
	).QueryRow(func(row pgx.Row) error {
		var id *int64
		if err := row.Scan(&id, &in.notificationIDs); err != nil {
			return fmt.Errorf("insert request: %w", err)
		}
		if in.saved = id != nil; in.saved {
			r.ID = *id
			in.call.Out = store.SubmitResult{Request: *r}
		}
		return nil
	})
}

// referenceAttempts bounds the draws of a reference; several taken in a row would mean a
// broken random source.
const referenceAttempts = 5
