package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// Bulk loading (store.Loader). Rows go in by multi-row INSERTs: each statement is prepared
// once (the connection caches it) and binds loadRowsPerInsert requests, so SQLite parses
// nothing per row and the driver crosses into SQLite once per statement, not once per
// request.

// loadRowsPerInsert keeps a statement's parameters (19 a row) well under SQLite's limit of
// 32,766; past a few hundred rows a statement is no faster.
const loadRowsPerInsert = 500

// insertRows is the INSERT of n requests.
func insertRows(n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(store.LoadColumns)), ", ") + ")"
	return "INSERT INTO requests (" + strings.Join(store.LoadColumns, ", ") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// loadCacheKiB is the page cache a bulk load works with: 256 MiB.
const loadCacheKiB = 256 << 10

var (
	queryLoadMany = insertRows(loadRowsPerInsert)
	queryLoadOne  = insertRows(1)
)

// LoadRequests implements store.Loader, on the single writer like every write.
func (s *Store) LoadRequests(ctx context.Context, requests []request.Request, newReference func() request.Reference) error {
	histories, err := store.PrepareLoad(requests)
	if err != nil {
		return err
	}
	// Rows go into seven indexes at places all over them (the references are random): with
	// SQLite's default 2 MiB of cached pages most inserts would read a page from the file.
	// The writer keeps the larger cache for as long as it is open: a process that loads
	// requests is one that does little else.
	if _, err := s.writer.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", loadCacheKiB)); err != nil {
		return fmt.Errorf("sqlite: load requests: %w", err)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// The requests submitted before are folded first: the loaded ones are counted
		// here, and the mark then moves past them all.
		if err := fold(ctx, tx); err != nil {
			return err
		}
		taken := func(ctx context.Context, refs []string) ([]string, error) {
			return queryAll(ctx, tx, "references taken", `SELECT reference FROM requests
				WHERE reference IN (SELECT value FROM json_each(?))`, func(row scanner) (string, error) {
				var ref string
				err := row.Scan(&ref)
				return ref, err
			}, jsonStrings(refs))
		}
		if err := store.DrawReferences(ctx, requests, newReference, taken); err != nil {
			return err
		}
		args := make([]any, 0, loadRowsPerInsert*len(store.LoadColumns))
		for start := 0; start < len(requests); {
			query, n := queryLoadMany, loadRowsPerInsert
			if len(requests)-start < loadRowsPerInsert {
				query, n = queryLoadOne, 1 // the rest one by one: one more statement to cache, not one per length
			}
			args = args[:0]
			for i := start; i < start+n; i++ {
				r := &requests[i]
				args = append(args, r.Reference, r.ServiceCode, r.Name, r.Address, r.Pincode, r.Email, r.Mobile, r.Details, r.Language,
					r.Division, r.Region, r.Circle, r.District, r.State, r.Status, histories[i], r.CreatedAt.UnixMilli(), r.UpdatedAt.UnixMilli(),
					r.AssignedTo)
			}
			if _, err := tx.ExecContext(ctx, query, args...); err != nil {
				return fmt.Errorf("sqlite: load requests: %w", err)
			}
			start += n
		}
		if err := addTally(ctx, tx, store.LoadedTally(requests)); err != nil {
			return err
		}
		return foldedAll(ctx, tx)
	})
}
