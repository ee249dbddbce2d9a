package localstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/store/localstore"
	"github.com/automat-rules/automat/runtime/store/storetest"
)

func open(t testing.TB, path string) *localstore.Store {
	t.Helper()
	s, err := localstore.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Factory{
		Open: func(t *testing.T) store.Store {
			return open(t, filepath.Join(t.TempDir(), "automat.db"))
		},
		Reopen: func(t *testing.T, s store.Store) store.Store {
			return open(t, s.(*localstore.Store).Path())
		},
	})
}
