package localstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// TestAcceptGroups sends Accepts of two tenants with the same ids from
// many goroutines, so group commits mix tenants and repeat ids.
func TestAcceptGroups(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "automat.db"))
	defer s.Close()
	const ids = 10
	var fresh [2][ids]atomic.Int32
	var wg sync.WaitGroup
	for g := range 20 {
		wg.Go(func() {
			tenant := g % 2
			for i := range ids {
				e := &store.Event{ID: fmt.Sprint("e", i), Type: "order.created", At: time.Now(), Record: store.Ref{Type: "order", ID: "1"}}
				got, err := s.Accept(context.Background(), fmt.Sprint("tenant", tenant), []*store.Event{e})
				if err != nil {
					t.Error(err)
					return
				}
				if got[0] {
					fresh[tenant][i].Add(1)
				}
			}
		})
	}
	wg.Wait()
	for tenant := range fresh {
		for i := range fresh[tenant] {
			if n := fresh[tenant][i].Load(); n != 1 {
				t.Errorf("tenant%d: e%d fresh %d times, want 1", tenant, i, n)
			}
		}
	}
}

func TestAcceptAfterClose(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "automat.db"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	e := &store.Event{ID: "e1", Type: "order.created", Record: store.Ref{Type: "order", ID: "1"}}
	if _, err := s.Accept(context.Background(), "t", []*store.Event{e}); err == nil {
		t.Error("Accept after Close: no error")
	}
}
