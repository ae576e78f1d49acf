package postgres_test

import (
	"testing"

	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/storetest"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return testenv.Postgres(t) })
}
