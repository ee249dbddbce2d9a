package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/runtime/engine"
	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/store/memstore"
)

func ruleset(t testing.TB, src string) *engine.Ruleset {
	t.Helper()
	rs, diags, err := engine.Compile([]compiler.Source{{Name: "t.rules", Src: []byte(src)}})
	if err != nil {
		t.Fatal(err, diags)
	}
	return rs
}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// accept puts an event in the inbox and processes everything pending.
func accept(t *testing.T, e *engine.Engine, st store.Store, id, typ, recID, data string) {
	t.Helper()
	ctx := context.Background()
	rt, _, _ := strings.Cut(typ, ".")
	ev := &store.Event{ID: id, Type: typ, At: t0, Record: store.Ref{Type: rt, ID: recID}, Data: []byte(data)}
	if _, err := st.Accept(ctx, "t", []*store.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

func logLines(t *testing.T, st store.Store) []string {
	t.Helper()
	var out []string
	cursor := ""
	for {
		page, next, err := st.Log(context.Background(), "t", store.LogQuery{Cursor: cursor, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range page {
			s := strings.Join(strings.Fields(string(l.Kind)+" "+l.Rule+" "+l.Action+" "+string(l.State)), " ")
			if l.Message != "" {
				s += " (" + l.Message + ")"
			}
			out = append([]string{strings.TrimSpace(s)}, out...)
		}
		if next == "" {
			return out
		}
		cursor = next
	}
}

// TestQueuedActions checks the daemon's mode: an outside action is queued
// and the run waits for it; its success continues the run with the next
// statement, its failure stops the run.
func TestQueuedActions(t *testing.T) {
	rs := ruleset(t, `
rule "r" on order.created when order.id is not null do
  let code = generate_code(pattern: "K-###")
  sms(to: "+420", text: "code {code}")
  comment(text: "sent {code}")
  email(to: "a@b.cz", template: "x")
  log(text: "never")
`)
	st := memstore.New()
	c := &clock{t0}
	e := engine.New(rs, engine.Config{Store: st, Tenant: "t", Clock: c})
	ctx := context.Background()
	accept(t, e, st, "e1", "order.created", "O-1", `{"id":"O-1"}`)

	var pending []*store.Action
	st.Update(ctx, "t", func(tx store.Tx) error {
		var err error
		pending, err = tx.Actions(store.Pending, 10)
		return err
	})
	if len(pending) != 1 || pending[0].Name != "sms" || string(pending[0].Args) != `{"to":"+420","text":"code K-001"}` {
		t.Fatalf("pending after the event: %+v", pending)
	}
	if err := e.ActionDone(ctx, pending[0].ID, nil, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// A second report of the same success changes nothing.
	if err := e.ActionDone(ctx, pending[0].ID, nil, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	st.Update(ctx, "t", func(tx store.Tx) error {
		var err error
		pending, err = tx.Actions(store.Pending, 10)
		return err
	})
	if len(pending) != 1 || pending[0].Name != "email" {
		t.Fatalf("pending after the sms: %+v", pending)
	}
	if err := e.Complete(ctx, []engine.Outcome{{ID: pending[0].ID, State: store.Dead, Cause: "550 mailbox unavailable", Took: time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(logLines(t, st), "\n")
	want := strings.Join([]string{
		"event",
		"fired r",
		"action r generate_code done",
		"action r sms pending",
		"action r sms done",
		"action r comment done",
		"action r email pending",
		"action r email dead",
		"stopped r (email dead: 550 mailbox unavailable)",
	}, "\n")
	if got != want {
		t.Errorf("log:\n%s\nwant:\n%s", got, want)
	}
	var runs []*store.Run
	st.Update(ctx, "t", func(tx store.Tx) error {
		var err error
		runs, err = tx.RunsOf(store.Ref{Type: "order", ID: "O-1"})
		return err
	})
	if len(runs) != 0 {
		t.Errorf("runs left: %+v", runs)
	}
}

// failingStore fails every transaction that appends to the log.
type failingStore struct{ *memstore.Store }

type failingTx struct{ store.Tx }

func (failingTx) Append(...*store.LogEntry) error { return errors.New("disk full") }

func (s failingStore) Update(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	return s.Store.Update(ctx, tenant, func(tx store.Tx) error { return fn(failingTx{tx}) })
}

// TestAtomic checks that an event whose transaction fails leaves no trace:
// no snapshot, no once claim, no sequence number, and the event stays
// pending, so processing it again does everything once.
func TestAtomic(t *testing.T) {
	rs := ruleset(t, `rule "r" on order.created when order.id is not null once do
  let c = generate_code(pattern: "#")
  log(text: "{c}")`)
	mem := memstore.New()
	ctx := context.Background()
	ev := &store.Event{ID: "e1", Type: "order.created", At: t0, Record: store.Ref{Type: "order", ID: "O-1"}, Data: []byte(`{"id":"O-1"}`)}
	mem.Accept(ctx, "t", []*store.Event{ev})
	bad := engine.New(rs, engine.Config{Store: failingStore{mem}, Tenant: "t", Clock: &clock{t0}})
	if err := bad.Process(ctx, ev); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Process = %v, want the store's error", err)
	}
	good := engine.New(rs, engine.Config{Store: mem, Tenant: "t", Clock: &clock{t0}})
	if n, err := good.Drain(ctx); err != nil || n != 1 {
		t.Fatalf("Drain = %d, %v; want the event still pending", n, err)
	}
	entries, _, _ := mem.Log(ctx, "t", store.LogQuery{Kind: store.KindAction})
	if len(entries) != 2 || string(entries[0].Args) != `{"text":"1"}` {
		t.Fatalf("actions after the retry: %d entries, last %s; want the code 1 and one log", len(entries), entries[0].Args)
	}
}

// TestReload checks that a run waiting when the ruleset is replaced keeps
// its rule's version in the same engine, and is stopped and logged by an
// engine (a restarted daemon) whose ruleset no longer has the rule.
func TestReload(t *testing.T) {
	v1 := ruleset(t, `rule "r" on order.created when order.id is not null do
  wait 1d
  log(text: "v1 after the wait")`)
	v2 := ruleset(t, `rule "other" on order.created when order.id is not null do log(text: "v2")`)
	ctx := context.Background()
	for _, restart := range []bool{false, true} {
		st := memstore.New()
		c := &clock{t0}
		e := engine.New(v1, engine.Config{Store: st, Tenant: "t", Clock: c})
		accept(t, e, st, "e1", "order.created", "O-1", `{"id":"O-1"}`)
		if restart {
			e = engine.New(v2, engine.Config{Store: st, Tenant: "t", Clock: c})
		} else {
			e.SetRuleset(v2)
		}
		c.t = t0.Add(25 * time.Hour)
		if n, err := e.Wake(ctx); err != nil || n != 1 {
			t.Fatalf("Wake = %d, %v", n, err)
		}
		got := logLines(t, st)
		last := got[len(got)-1]
		want := "action r log done"
		if restart {
			want = "stopped r (the rule was removed from the ruleset)"
		}
		if last != want {
			t.Errorf("restart=%v: last log entry %q, want %q", restart, last, want)
		}
	}
}

// TestProcessOnceInOrder checks that an event handed out twice (two
// daemons, or a retry after a lost reply) is processed once, and that a
// record's later event waits for its earlier one whoever takes it first.
func TestProcessOnceInOrder(t *testing.T) {
	rs := ruleset(t, `rule "r" on order.created, order.updated when order.id is not null do log(text: "{order.number}")`)
	st := memstore.New()
	ctx := context.Background()
	mk := func(id, number string) *store.Event {
		return &store.Event{ID: id, Type: "order.updated", At: t0, Record: store.Ref{Type: "order", ID: "O-1"},
			Data: []byte(`{"id":"O-1","number":"` + number + `"}`)}
	}
	e1, e2 := mk("e1", "first"), mk("e2", "second")
	st.Accept(ctx, "t", []*store.Event{e1, e2})
	e := engine.New(rs, engine.Config{Store: st, Tenant: "t", Clock: &clock{t0}})
	for _, ev := range []*store.Event{e2, e1, e1, e2} { // e2 is not next until e1 is done
		if err := e.Process(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	got := strings.Join(logLines(t, st), "\n")
	want := "event\nfired r\naction r log done\nevent\nfired r\naction r log done"
	if got != want {
		t.Fatalf("log:\n%s\nwant:\n%s", got, want)
	}
	entries, _, _ := st.Log(ctx, "t", store.LogQuery{Kind: store.KindAction})
	if string(entries[0].Args) != `{"text":"second"}` || string(entries[1].Args) != `{"text":"first"}` {
		t.Errorf("actions newest first: %s, %s; want second, first", entries[0].Args, entries[1].Args)
	}
}
