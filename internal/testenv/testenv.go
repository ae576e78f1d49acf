// Package testenv gives tests the real parts they run on: a migrated database of each
// backend, in a place of its own that is removed after the test, and the embedded postal
// directory.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/postgres"
	"github.com/doorstep-post/doorstep/internal/store/sqlite"
)

// PostgresURLVariable names the PostgreSQL server the tests may use. Each test gets a schema
// of its own there, dropped afterwards.
const PostgresURLVariable = "DOORSTEP_TEST_POSTGRES_URL"

// SkipMessage is why PostgreSQL tests skip, and how to enable them.
const SkipMessage = "PostgreSQL tests skipped: set " + PostgresURLVariable +
	"=postgres://postgres@127.0.0.1:5432/test (any database the user may create schemas in) to run them"

// Backend is a database Doorstep runs on.
type Backend struct {
	Name string
	// Open gives a fresh, migrated, empty store for one test; it skips the test if the
	// backend is not configured.
	Open func(tb testing.TB) store.Store
}

// Backends are every backend, in a fixed order: sqlite, postgres.
var Backends = []Backend{
	{Name: "sqlite", Open: func(tb testing.TB) store.Store { return SQLite(tb) }},
	{Name: "postgres", Open: func(tb testing.TB) store.Store { return Postgres(tb) }},
}

// ForEachBackend runs fn as a subtest per backend, each on a fresh store.
func ForEachBackend(t *testing.T, fn func(t *testing.T, st store.Store)) {
	t.Helper()
	for _, b := range Backends {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.Open(t)) })
	}
}

// SQLite opens a fresh, migrated SQLite database file for one test and closes it after.
func SQLite(tb testing.TB) *sqlite.Store {
	tb.Helper()
	st, _ := SQLiteFile(tb)
	return st
}

// SQLiteFile is SQLite, with the file's path.
func SQLiteFile(tb testing.TB) (*sqlite.Store, string) {
	tb.Helper()
	ctx := context.Background()
	path := filepath.Join(tb.TempDir(), "doorstep.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		tb.Fatal(err)
	}
	return st, path
}

// Postgres opens a fresh, migrated PostgreSQL store in a schema of its own, or skips the test
// when DOORSTEP_TEST_POSTGRES_URL is not set.
func Postgres(tb testing.TB) *postgres.Store {
	tb.Helper()
	ctx := context.Background()
	st, err := postgres.Open(ctx, PostgresURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		tb.Fatal(err)
	}
	return st
}

// PostgresURL creates an empty schema for one test and returns a database URL whose
// search_path is that schema; the schema is dropped after the test. It skips the test when
// DOORSTEP_TEST_POSTGRES_URL is not set.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(PostgresURLVariable)
	if base == "" {
		tb.Skip(SkipMessage)
	}
	var raw [6]byte
	_, _ = rand.Read(raw[:])
	schema := "test_" + hex.EncodeToString(raw[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("%s: %v", PostgresURLVariable, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("drop test schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s: %v", PostgresURLVariable, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

var (
	directoryOnce sync.Once
	directory     *postal.Directory
	directoryErr  error
)

// Directory is the embedded postal directory, loaded once per test binary.
func Directory(tb testing.TB) *postal.Directory {
	tb.Helper()
	directoryOnce.Do(func() { directory, directoryErr = postal.Load() })
	if directoryErr != nil {
		tb.Fatal(directoryErr)
	}
	return directory
}

// HoldSQLiteWriteLock takes the write lock of the SQLite file at path from a connection of
// its own, as another process would, and holds it until the returned function is called
// (or the test ends): the database hangs for its writers.
func HoldSQLiteWriteLock(tb testing.TB, path string) (release func()) {
	tb.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		tb.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		conn.Close()
		db.Close()
		tb.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
				tb.Error(err)
			}
			conn.Close()
			db.Close()
		})
	}
	tb.Cleanup(release)
	return release
}
