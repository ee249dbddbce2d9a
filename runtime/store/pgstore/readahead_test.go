package pgstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/automat-rules/automat/internal/pgtest"
	"github.com/automat-rules/automat/runtime/store"
)

// TestReadAheadDuplicateAction checks Enqueue on a record read ahead:
// a duplicate of the record's own action is refused at once; one of
// another record's action, which the read-ahead cannot see, is refused
// when the queued writes are sent, failing the transaction, and nothing
// of it is kept.
func TestReadAheadDuplicateAction(t *testing.T) {
	s := open(t, pgtest.DSN(t))
	ctx := context.Background()
	a, b := store.Ref{Type: "order", ID: "A"}, store.Ref{Type: "order", ID: "B"}
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	action := func(r store.Ref) *store.Action {
		return &store.Action{ID: "act-1", Rule: "r", Record: r, Name: "email", Args: []byte(`{}`), NextAt: now, Created: now, Updated: now}
	}
	if err := s.Update(ctx, "t", func(tx store.Tx) error { return tx.Enqueue(action(b)) }); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, "t", func(tx store.Tx) error {
		if err := tx.(store.Prefetcher).Prefetch([]store.Ref{b}); err != nil {
			return err
		}
		if err := tx.Enqueue(action(b)); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("Enqueue(duplicate of the record's action) = %v, want ErrDuplicate at once", err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("the transaction after a refused duplicate: %v", err)
	}
	err = s.Update(ctx, "t", func(tx store.Tx) error {
		if err := tx.(store.Prefetcher).Prefetch([]store.Ref{a}); err != nil {
			return err
		}
		if err := tx.Enqueue(action(a)); err != nil {
			t.Errorf("Enqueue on a record read ahead: %v, want it queued", err)
		}
		return tx.PutSnapshot(&store.Snapshot{Ref: a, Data: []byte(`{}`), At: now})
	})
	if !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("committing another record's action id = %v, want ErrDuplicate", err)
	}
	err = s.Update(ctx, "t", func(tx store.Tx) error {
		got, err := tx.Action("act-1")
		if err != nil {
			return err
		}
		if got.Record != b {
			t.Errorf("act-1 belongs to %v now, want %v", got.Record, b)
		}
		if snap, err := tx.Snapshot(a); err != nil || snap != nil {
			t.Errorf("the failed transaction's snapshot: %+v, %v; want none", snap, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
