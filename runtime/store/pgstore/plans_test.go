package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/automat-rules/automat/internal/pgtest"
	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/store/pgstore"
)

// The tests of this file check that the store's hot reads touch the rows
// they return, not the whole backlog, while the planner has no
// statistics: a new database, or tables that grew faster than autovacuum
// analyzes them (a burst), where PostgreSQL guesses that one tenant's
// rows are 0.5% of a table and picks scans of all of them.

// noStatistics keeps autovacuum from analyzing the store's tables during
// the test, so that they stay without statistics like a new database's.
func noStatistics(t *testing.T, dsn string) {
	t.Helper()
	for _, table := range []string{"events", "actions", "once", "snapshots", "runs", "log"} {
		if err := pgstore.ExecForTest(context.Background(), dsn, "ALTER TABLE "+table+" SET (autovacuum_enabled = off)"); err != nil {
			t.Fatal(err)
		}
	}
}

// rowsRead runs fn in a transaction and returns the rows it read from
// table and its indexes.
func rowsRead(t *testing.T, s store.Store, table string, fn func(tx store.Tx) error) int64 {
	t.Helper()
	var n int64
	err := s.Update(context.Background(), "t", func(tx store.Tx) error {
		// PostgreSQL 15's per-transaction counts may include earlier
		// transactions of the connection not yet reported: a difference.
		before, err := pgstore.RowsReadForTest(tx, table)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		after, err := pgstore.RowsReadForTest(tx, table)
		n = after - before
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// withoutStatistics opens a store on a new database whose tables stay
// without statistics.
func withoutStatistics(t *testing.T) (s store.Store, dsn string) {
	dsn = pgtest.DSN(t)
	s = open(t, dsn)
	noStatistics(t, dsn)
	return s, dsn
}

func planTime() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }

func TestPendingPlan(t *testing.T) {
	s, dsn := withoutStatistics(t)
	ctx, now := context.Background(), planTime()
	const backlog = 20000
	for i := 0; i < backlog; i += 1000 {
		var evs []*store.Event
		for k := i; k < i+1000; k++ {
			evs = append(evs, &store.Event{ID: fmt.Sprint("e", k), Type: "order.created", At: now,
				Record: store.Ref{Type: "order", ID: fmt.Sprint("o", k)}, Data: []byte(`{}`)})
		}
		if _, err := s.Accept(ctx, "t", evs); err != nil {
			t.Fatal(err)
		}
	}
	var got []*store.Event
	n := rowsRead(t, s, "events", func(tx store.Tx) error {
		var err error
		got, err = tx.Pending(100, 256)
		return err
	})
	if len(got) != 256 || got[0].ID != "e100" || got[255].ID != "e355" {
		t.Fatalf("Pending(100, 256) = %d events from %v, want e100..e355", len(got), got[0].ID)
	}
	if n > 1000 {
		t.Errorf("Pending(100, 256) read %d rows of a backlog of %d, want about 256", n, backlog)
	}

	// The statistics say every event is pending, but the first 15,000
	// are done by now: the front is behind them. The first read skips
	// the pending index's entries of the done events and marks them dead
	// (its cost is left to the later reads); the later reads find the
	// front at once.
	if err := pgstore.ExecForTest(ctx, dsn, `ANALYZE events; UPDATE events SET done = true WHERE id < 'e15' OR length(id) < 6`); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		n = rowsRead(t, s, "events", func(tx store.Tx) error {
			var err error
			got, err = tx.Pending(0, 256)
			return err
		})
	}
	if len(got) != 256 || got[0].ID != "e15000" {
		t.Fatalf("Pending(0, 256) = %d events from %v, want 256 from e15000", len(got), got[0].ID)
	}
	if n > 1000 {
		t.Errorf("Pending(0, 256) behind 15,000 done events read %d rows, want about 256", n)
	}
}

func TestReadAheadPlans(t *testing.T) {
	s, _ := withoutStatistics(t)
	ctx, now := context.Background(), planTime()
	const records = 8000
	err := s.Update(ctx, "t", func(tx store.Tx) error {
		for i := range records {
			r := store.Ref{Type: "order", ID: fmt.Sprint("o", i)}
			if i%1000 == 0 { // the writes go set-based, as the engine's do
				var chunk []store.Ref
				for k := i; k < i+1000; k++ {
					chunk = append(chunk, store.Ref{Type: "order", ID: fmt.Sprint("o", k)})
				}
				if err := tx.(store.Prefetcher).Prefetch(chunk); err != nil {
					return err
				}
			}
			if err := tx.Enqueue(&store.Action{ID: fmt.Sprint("a", i), Rule: "r", Record: r, Name: "email",
				Args: []byte(`{}`), NextAt: now, Created: now, Updated: now}); err != nil {
				return err
			}
			if _, err := tx.ClaimOnce("r", r, "k"); err != nil {
				return err
			}
			if err := tx.PutSnapshot(&store.Snapshot{Ref: r, Data: []byte(`{}`), At: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var refs []store.Ref
	for i := range 16 {
		refs = append(refs, store.Ref{Type: "order", ID: fmt.Sprint("o", i*100)})
	}
	for _, table := range []string{"actions", "once", "snapshots"} {
		n := rowsRead(t, s, table, func(tx store.Tx) error {
			if err := tx.(store.Prefetcher).Prefetch(refs); err != nil {
				return err
			}
			ok, err := tx.ClaimOnce("r", refs[3], "k")
			if err == nil && ok {
				t.Errorf("ClaimOnce of a claimed key after the read-ahead = true, want false")
			}
			return err
		})
		if n > 100 {
			t.Errorf("the read-ahead of %d records read %d rows of %s (%d rows), want one lookup per record", len(refs), n, table, records)
		}
	}
}

// TestLogPlans checks that the log's queries for rare entries — an
// operator's "what failed?", a rule's firings, an action's entries, a
// record's or an event's story, an hour — read those entries, not the
// log, now that most of its indexes are partial or gone (0005).
func TestLogPlans(t *testing.T) {
	dsn := pgtest.DSN(t)
	s := open(t, dsn)
	ctx, now := context.Background(), planTime()
	const entries = 20000
	err := s.Update(ctx, "t", func(tx store.Tx) error {
		var es []*store.LogEntry
		for i := range entries {
			e := &store.LogEntry{At: now.Add(time.Duration(i) * time.Second), Kind: store.KindEvent, Event: fmt.Sprint("e", i),
				Trigger: "order.created", Record: store.Ref{Type: "order", ID: fmt.Sprint("o", i)}}
			switch i % 4000 {
			case 17:
				e.Kind, e.Error = store.KindError, "boom"
			case 33:
				e.Kind, e.Rule = store.KindFired, "rare"
			case 34:
				e.Kind, e.Rule, e.Action = store.KindAction, "rare", "sms"
			}
			es = append(es, e)
		}
		return tx.Append(es...)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := pgstore.ExecForTest(ctx, dsn, "ANALYZE log"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		q    store.LogQuery
		want int
	}{
		{"errors", store.LogQuery{Kind: store.KindError}, 5},
		{"a rule", store.LogQuery{Rule: "rare"}, 10},
		{"an action", store.LogQuery{Action: "sms"}, 5},
		{"a record", store.LogQuery{Record: store.Ref{Type: "order", ID: "o123"}}, 1},
		{"an event", store.LogQuery{Event: "e9999"}, 1},
		{"an hour", store.LogQuery{From: now.Add(2 * time.Hour), To: now.Add(3 * time.Hour), Limit: 10000}, 3600},
	} {
		var got int
		n := rowsRead(t, s, "log", func(tx store.Tx) error {
			var err error
			got, err = pgstore.LogForTest(tx, c.q)
			return err
		})
		if got != c.want {
			t.Errorf("%s: %d entries, want %d", c.name, got, c.want)
		}
		if n > int64(2*c.want+1000) {
			t.Errorf("%s: read %d rows of the log (%d entries) for %d entries", c.name, n, entries, got)
		}
	}
}

// TestPrunePlans checks that a Prune reads about the rows of its window,
// not each table's: 100 old rows of each kind are behind 5,000 new.
func TestPrunePlans(t *testing.T) {
	s, dsn := withoutStatistics(t)
	ctx, now := context.Background(), planTime()
	const old, young = 100, 5000
	add := func(tx store.Tx, i int) error {
		at := now
		if i < old {
			at = now.Add(-2 * time.Hour)
		}
		if _, err := tx.AddEvent(&store.Event{ID: fmt.Sprint("e", i), Type: "order.created", At: at,
			Record: store.Ref{Type: "order", ID: fmt.Sprint("o", i)}, Data: []byte(`{}`)}); err != nil {
			return err
		}
		if err := tx.Enqueue(&store.Action{ID: fmt.Sprint("a", i), Rule: "r", Name: "email", State: store.Done,
			Args: []byte(`{}`), NextAt: at, Created: at, Updated: at}); err != nil {
			return err
		}
		return tx.Append(&store.LogEntry{At: at, Kind: store.KindEvent, Event: fmt.Sprint("e", i)})
	}
	for k := 0; k < old+young; k += old {
		err := s.Update(ctx, "t", func(tx store.Tx) error {
			for i := k; i < k+old; i++ {
				if err := add(tx, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := pgstore.ExecForTest(ctx, dsn, `UPDATE events SET done = true`); err != nil {
		t.Fatal(err)
	}
	cut := now.Add(-time.Hour)
	for _, tc := range []struct {
		table string
		r     store.Retention
	}{
		{"log", store.Retention{Log: cut}},
		{"events", store.Retention{Events: cut}},
		{"actions", store.Retention{Actions: cut}},
	} {
		for _, want := range []int{old, 0} { // the old rows, then none
			var n int
			read := rowsRead(t, s, tc.table, func(tx store.Tx) error {
				var err error
				n, err = pgstore.PruneForTest(tx, tc.r, 500)
				return err
			})
			if n != want {
				t.Errorf("%s: Prune removed %d rows, want %d", tc.table, n, want)
			}
			if read > 2000 {
				t.Errorf("%s: Prune (limit 500) read %d rows of %d, want about 500", tc.table, read, old+young)
			}
		}
	}
}
