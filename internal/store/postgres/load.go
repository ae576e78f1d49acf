package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// Bulk loading (store.Loader) by COPY, the fastest way into PostgreSQL: rows stream in the
// binary format with no statement per row.

// LoadRequests implements store.Loader. References are checked against those stored in the
// same transaction; one that another instance's submission takes meanwhile fails the COPY
// on the unique index, and nothing of the batch is saved.
func (s *Store) LoadRequests(ctx context.Context, requests []request.Request, newReference func() request.Reference) error {
	histories, err := store.PrepareLoad(requests)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		taken := func(ctx context.Context, refs []string) ([]string, error) {
			rows, err := tx.Query(ctx, `SELECT reference FROM requests WHERE reference = ANY($1)`, refs)
			if err != nil {
				return nil, fmt.Errorf("postgres: references taken: %w", err)
			}
			stored, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return nil, fmt.Errorf("postgres: references taken: %w", err)
			}
			return stored, nil
		}
		if err := store.DrawReferences(ctx, requests, newReference, taken); err != nil {
			return err
		}
		// Text goes as plain strings: pgx encodes a named string type by reflection.
		rows := pgx.CopyFromSlice(len(requests), func(i int) ([]any, error) {
			r := &requests[i]
			return []any{string(r.Reference), r.ServiceCode, r.Name, r.Address, r.Pincode, r.Email, r.Mobile, r.Details, string(r.Language),
				r.Division, r.Region, r.Circle, r.District, r.State, string(r.Status), histories[i], r.CreatedAt, r.UpdatedAt,
				r.AssignedTo}, nil
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"requests"}, store.LoadColumns, rows); err != nil {
			return fmt.Errorf("postgres: load requests: %w", err)
		}
		return addTally(ctx, tx, store.LoadedTally(requests))
	})
}
