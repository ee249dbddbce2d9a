package pgstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/internal/pgtest"
	"github.com/automat-rules/automat/runtime/engine"
	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/store/pgstore"
)

func open(t *testing.T, dsn string) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestLease checks the schedule leader's lease: one holder at a time, a
// holder renews, and a holder that stops renewing (killed) is replaced
// once its lease expires.
func TestLease(t *testing.T) {
	s := open(t, pgtest.DSN(t))
	ctx := context.Background()
	const ttl = time.Second
	lead := func(who string) bool {
		ok, err := s.TryLead(ctx, "schedule", who, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !lead("a") || lead("b") {
		t.Fatal("want a to lead, b refused")
	}
	renewed := time.Now() // a's last renewal starts after this
	if !lead("a") {
		t.Fatal("want a to renew")
	}
	// b takes over once a's lease expired, never before; how soon after
	// depends on the machine's load, so only a generous bound is checked.
	for !lead("b") {
		if time.Since(renewed) > 3*ttl {
			t.Fatalf("b did not take over %s after a stopped renewing (ttl %s)", time.Since(renewed), ttl)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if took := time.Since(renewed); took < ttl {
		t.Errorf("b took over %s after a renewed, before a's lease of %s expired", took, ttl)
	}
	if lead("a") {
		t.Error("a leads again while b holds the lease")
	}
}

// TestNewerSchemaRefused checks that a database migrated by a newer
// automatd is refused with an error that says so.
func TestNewerSchemaRefused(t *testing.T) {
	dsn := pgtest.DSN(t)
	s := open(t, dsn)
	ctx := context.Background()
	err := s.Update(ctx, "t", func(store.Tx) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if from, to, err := pgstore.Migrate(ctx, dsn); err != nil || from != to {
		t.Fatalf("Migrate on a current database = %d, %d, %v; want no change", from, to, err)
	}
	s.Close()
	if err := pgstore.ExecForTest(ctx, dsn, `INSERT INTO schema_migrations (version, name) VALUES (99, '0099_future.sql')`); err != nil {
		t.Fatal(err)
	}
	_, err = pgstore.Open(ctx, dsn)
	if err == nil || !strings.Contains(err.Error(), "schema version 99, newer than this automatd") {
		t.Fatalf("Open = %v, want a refusal naming version 99", err)
	}
}

// TestTwoEngines runs two engines, each on its own connection pool (two
// daemons), draining one shared inbox at the same time: every event is
// processed exactly once, each record's events in the order they were
// accepted, every `once` rule fires once per record, and no generated
// code repeats.
func TestTwoEngines(t *testing.T) {
	dsn := pgtest.DSN(t)
	src := `
rule "every" on order.updated when order.id is not null do
  let c = generate_code(pattern: "C-######")
  log(text: "{order.number} {c}")
rule "first" on order.updated when order.id is not null once do log(text: "first {order.number}")
`
	rs, diags, err := engine.Compile([]compiler.Source{{Name: "t.rules", Src: []byte(src)}})
	if err != nil {
		t.Fatal(err, diags)
	}
	ctx := context.Background()
	a, b := open(t, dsn), open(t, dsn)
	const records, perRecord = 10, 12
	var evs []*store.Event
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for n := 0; n < perRecord; n++ {
		for r := 0; r < records; r++ {
			evs = append(evs, &store.Event{ID: fmt.Sprintf("e%d-%d", r, n), Type: "order.updated", At: at.Add(time.Duration(n) * time.Second),
				Record: store.Ref{Type: "order", ID: fmt.Sprint(r)}, Data: []byte(fmt.Sprintf(`{"id":"%d","number":"%d-%d"}`, r, r, n))})
		}
	}
	if _, err := a.Accept(ctx, "t", evs); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	// Engine a processes event by event, b a batch at a time (as the
	// daemon's workers do): the batch's records are claimed together.
	for k, s := range []*pgstore.Store{a, b} {
		e := engine.New(rs, engine.Config{Store: s, Tenant: "t"})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var batch []*store.Event
				if err := s.Update(ctx, "t", func(tx store.Tx) error {
					var err error
					batch, err = tx.Pending(0, 8)
					return err
				}); err != nil {
					errs <- err
					return
				}
				if len(batch) == 0 {
					return
				}
				if k == 1 {
					if err := e.ProcessBatch(ctx, batch); err != nil {
						errs <- err
						return
					}
					continue
				}
				for _, ev := range batch {
					if err := e.Process(ctx, ev); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Read the whole log, oldest first.
	var all []*store.LogEntry
	cursor := ""
	for {
		page, next, err := a.Log(ctx, "t", store.LogQuery{Cursor: cursor, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	seen := make(map[string]int)
	lastN := make(map[string]int)
	codes := make(map[string]bool)
	firsts := make(map[string]int)
	for i := len(all) - 1; i >= 0; i-- {
		l := all[i]
		switch {
		case l.Kind == store.KindEvent:
			seen[l.Event]++
			var r, n int
			fmt.Sscanf(l.Event, "e%d-%d", &r, &n)
			if prev, ok := lastN[l.Record.ID]; ok && n != prev+1 {
				t.Errorf("record %s: event %s after e%d-%d: out of order", l.Record.ID, l.Event, r, prev)
			}
			lastN[l.Record.ID] = n
		case l.Kind == store.KindAction && l.Action == "generate_code":
			if codes[string(l.Result)] {
				t.Errorf("code %s generated twice", l.Result)
			}
			codes[string(l.Result)] = true
		case l.Kind == store.KindFired && l.Rule == "first":
			firsts[l.Record.ID]++
		}
	}
	for _, ev := range evs {
		if seen[ev.ID] != 1 {
			t.Errorf("event %s processed %d times, want once", ev.ID, seen[ev.ID])
		}
	}
	if len(codes) != len(evs) {
		t.Errorf("%d codes for %d events", len(codes), len(evs))
	}
	for r := 0; r < records; r++ {
		if firsts[fmt.Sprint(r)] != 1 {
			t.Errorf("once rule fired %d times on record %d", firsts[fmt.Sprint(r)], r)
		}
	}
}
