package postgres_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/postgres"
	"github.com/doorstep-post/doorstep/internal/store/storetest"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return testenv.Postgres(t) })
}

func TestDashboardBackfill(t *testing.T) {
	ctx := context.Background()
	st, conn := openWithConn(t)
	storetest.DashboardBackfill(t, st,
		func(version int64) error {
			if err := st.MigrateDownTo(ctx, version); err != nil {
				return err
			}
			// Undone, migration 00013 counted every unfolded request; this code reads
			// the table, which would be empty.
			_, err := conn.Exec(ctx, `CREATE TABLE dashboard_unfolded (request_id BIGINT, service_code TEXT, division TEXT, region TEXT, circle TEXT, created_at TIMESTAMPTZ)`)
			return err
		},
		func() error {
			if _, err := conn.Exec(ctx, `DROP TABLE dashboard_unfolded`); err != nil {
				return err
			}
			return st.Migrate(ctx, slog.New(slog.DiscardHandler))
		})
}

func TestDashboardFold(t *testing.T) {
	ctx := context.Background()
	st, conn := openWithConn(t)
	storetest.DashboardFold(t, st, func() (n int64) {
		if err := conn.QueryRow(ctx, `SELECT coalesce(sum(received), 0) FROM dashboard_days WHERE unit = 'india'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
}

// openWithConn opens a migrated store and a connection of its own to the same schema, to
// look at the tables as they are.
func openWithConn(t *testing.T) (*postgres.Store, *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	url := testenv.PostgresURL(t)
	st, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return st, conn
}

func TestClosedOpenRowsAreDeleted(t *testing.T) {
	ctx := context.Background()
	st, conn := openWithConn(t)
	storetest.ClosedOpenRowsAreDeleted(t, st, func(table string) (rows, open int64) {
		if err := conn.QueryRow(ctx, "SELECT count(*), coalesce(sum(open), 0) FROM "+table).Scan(&rows, &open); err != nil {
			t.Fatal(err)
		}
		return rows, open
	})
}
