// Package testenv gives tests the real parts they run on: a migrated database in a
// temporary directory, removed after the test, and the embedded postal directory.
package testenv

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"

	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/store/sqlite"
)

// SQLite opens a fresh, migrated SQLite database file for one test and closes it after.
func SQLite(tb testing.TB) *sqlite.Store {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "doorstep.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		tb.Fatal(err)
	}
	return st
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
