package pgstore_test

import (
	"context"
	"os"
	"testing"

	"github.com/automat-rules/automat/internal/pgtest"
	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/store/pgstore"
	"github.com/automat-rules/automat/runtime/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestConformance runs the store conformance suite on a real PostgreSQL.
func TestConformance(t *testing.T) {
	dsns := make(map[store.Store]string)
	open := func(t *testing.T) store.Store {
		dsn := pgtest.DSN(t)
		s, err := pgstore.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		dsns[s] = dsn
		return s
	}
	storetest.Run(t, storetest.Factory{
		Open: open,
		Reopen: func(t *testing.T, old store.Store) store.Store {
			s, err := pgstore.Open(context.Background(), dsns[old])
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	})
}
