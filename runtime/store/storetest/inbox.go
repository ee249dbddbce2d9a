package storetest

// This file checks the inbox: Accept, Tx.AddEvent, Pending, PendingFor
// and Done.

import (
	"fmt"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

var (
	order1 = store.Ref{Type: "order", ID: "O-1"}
	order2 = store.Ref{Type: "order", ID: "O-2"}
	ship1  = store.Ref{Type: "shipment", ID: "SH-1"}
)

func event(id string, r store.Ref, d time.Duration) *store.Event {
	return &store.Event{ID: id, Type: r.Type + ".changed", At: at(d), Record: r, Data: dataA}
}

func (h *harness) pending(s store.Store, tenant string, limit int) []*store.Event {
	h.Helper()
	var out []*store.Event
	h.view(s, tenant, func(tx store.Tx) error {
		var err error
		out, err = tx.Pending(0, limit)
		return err
	})
	return out
}

func (h *harness) wantPending(s store.Store, tenant string, want ...string) {
	h.Helper()
	if got := ids(h.pending(s, tenant, 1000)); !equal(got, want) {
		h.Errorf("Pending: got %q, want %q", got, want)
	}
}

func testAccept(h *harness) {
	s := h.open()
	e1, e2 := event("e1", order1, 0), event("e2", ship1, time.Second)
	if got := h.accept(s, "t", e1, e2); !equal(got, []bool{true, true}) {
		h.Errorf("Accept(e1, e2) = %v, want [true true]", got)
	}
	// A repeated id is not stored again, not even with other data.
	e2b := event("e2", order2, time.Hour)
	e2b.Data = dataC
	if got := h.accept(s, "t", e2b, event("e3", order1, 2*time.Second)); !equal(got, []bool{false, true}) {
		h.Errorf("Accept(e2 again, e3) = %v, want [false true]", got)
	}
	// An id repeated within one batch is stored once.
	if got := h.accept(s, "t", event("e4", order2, 3*time.Second), event("e4", order2, 4*time.Second)); !equal(got, []bool{true, false}) {
		h.Errorf("Accept(e4, e4) = %v, want [true false]", got)
	}
	// Accept and Tx.AddEvent share one inbox.
	h.update(s, "t", func(tx store.Tx) error {
		for _, c := range []struct {
			e    *store.Event
			want bool
		}{{event("e1", order1, 0), false}, {event("e5", ship1, 5*time.Second), true}, {event("e5", ship1, 5*time.Second), false}} {
			fresh, err := tx.AddEvent(c.e)
			h.must(err)
			if fresh != c.want {
				h.Errorf("AddEvent(%s) = %v, want %v", c.e.ID, fresh, c.want)
			}
		}
		return nil
	})
	if got := h.accept(s, "t", event("e5", ship1, 0)); !equal(got, []bool{false}) {
		h.Errorf("Accept(e5) after AddEvent(e5) = %v, want [false]", got)
	}
	if got := h.accept(s, "t"); len(got) != 0 {
		h.Errorf("Accept() = %v, want []", got)
	}
	h.wantPending(s, "t", "e1", "e2", "e3", "e4", "e5")
	// The first acceptance's data stays.
	for _, e := range h.pending(s, "t", 10) {
		if e.ID == "e2" && (e.Record != ship1 || normJSON(e.Data) != normJSON(dataA)) {
			h.Errorf("e2 was replaced by its repetition: %+v", e)
		}
	}
}

func testAcceptRoundTrip(h *harness) {
	s := h.open()
	in := []*store.Event{
		{ID: "evt-0001", Type: "shipment.status_changed", At: at(0), Record: ship1, Data: dataB},
		{ID: "chained ✓", Type: "order.status_changed", At: at(time.Minute), Record: order1, Data: dataA, Depth: 3, Cause: "evt-0001"},
		{ID: "no-data", Type: "order.created", At: at(2 * time.Minute), Record: order2},
	}
	h.accept(s, "t", in[:2]...)
	h.update(s, "t", func(tx store.Tx) error {
		_, err := tx.AddEvent(in[2])
		return err
	})
	got := h.pending(s, "t", 10)
	if len(got) != len(in) {
		h.Fatalf("Pending gave %d events, want %d", len(got), len(in))
	}
	var last int64
	for i, e := range got {
		if eventOf(e) != eventOf(in[i]) {
			h.Errorf("event %d:\n got %+v\nwant %+v", i, eventOf(e), eventOf(in[i]))
		}
		if e.Seq <= last {
			h.Errorf("event %s has Seq %d after %d: want it to increase", e.ID, e.Seq, last)
		}
		last = e.Seq
	}
}

func testPending(h *harness) {
	s := h.open()
	h.accept(s, "t", event("a1", order1, 0), event("b1", order2, 0))
	h.accept(s, "t", event("a2", order1, 0))
	h.update(s, "t", func(tx store.Tx) error {
		for _, e := range []*store.Event{event("b2", order2, 0), event("c1", ship1, 0)} {
			if _, err := tx.AddEvent(e); err != nil {
				return err
			}
		}
		// A transaction sees its own events.
		p, err := tx.Pending(0, 10)
		if got := ids(p); !equal(got, []string{"a1", "b1", "a2", "b2", "c1"}) {
			h.Errorf("Pending inside the adding transaction: %q", got)
		}
		return err
	})
	h.accept(s, "t", event("a3", order1, 0))
	h.wantPending(s, "t", "a1", "b1", "a2", "b2", "c1", "a3")
	first2 := h.pending(s, "t", 2)
	if got := ids(first2); !equal(got, []string{"a1", "b1"}) {
		h.Errorf("Pending(2) = %q", got)
	}
	// Paging: after the second event, the rest; after the last, none.
	h.view(s, "t", func(tx store.Tx) error {
		p, err := tx.Pending(first2[1].Seq, 10)
		if got := ids(p); !equal(got, []string{"a2", "b2", "c1", "a3"}) {
			h.Errorf("Pending(after b1) = %q", got)
		}
		if err == nil && len(p) == 4 {
			p, err = tx.Pending(p[3].Seq, 10)
			if len(p) != 0 {
				h.Errorf("Pending(after the last) = %q", ids(p))
			}
		}
		return err
	})
	pendingFor := func(r store.Ref, limit int) []string {
		var out []*store.Event
		h.view(s, "t", func(tx store.Tx) error {
			var err error
			out, err = tx.PendingFor(r, limit)
			return err
		})
		return ids(out)
	}
	if got := pendingFor(order1, 10); !equal(got, []string{"a1", "a2", "a3"}) {
		h.Errorf("PendingFor(order1) = %q", got)
	}
	if got := pendingFor(order1, 2); !equal(got, []string{"a1", "a2"}) {
		h.Errorf("PendingFor(order1, 2) = %q", got)
	}
	if got := pendingFor(store.Ref{Type: "order", ID: "nope"}, 10); len(got) != 0 {
		h.Errorf("PendingFor(unknown record) = %q", got)
	}
	if got := pendingFor(store.Ref{Type: "shipment", ID: "O-1"}, 10); len(got) != 0 {
		h.Errorf("PendingFor(another type, same id) = %q", got)
	}

	h.update(s, "t", func(tx store.Tx) error {
		h.must(tx.Done("a1"))
		h.must(tx.Done("b2"))
		h.must(tx.Done("b2")) // twice is fine
		h.notFound("Done(unknown)", tx.Done("nope"))
		p, err := tx.Pending(0, 10)
		if got := ids(p); !equal(got, []string{"b1", "a2", "c1", "a3"}) {
			h.Errorf("Pending inside the transaction that marked done: %q", got)
		}
		return err
	})
	h.wantPending(s, "t", "b1", "a2", "c1", "a3")
	// A transaction sees its own changes to a record's pending events.
	h.view(s, "t", func(tx store.Tx) error {
		want := func(what string, ids_ ...string) {
			h.Helper()
			p, err := tx.PendingFor(order1, 10)
			h.must(err)
			if got := ids(p); !equal(got, ids_) {
				h.Errorf("PendingFor(order1) %s = %q, want %q", what, got, ids_)
			}
		}
		want("before", "a2", "a3")
		h.must(tx.Done("a2"))
		want("after Done(a2)", "a3")
		if _, err := tx.AddEvent(event("a9", order1, 0)); err != nil {
			return err
		}
		want("after AddEvent(a9)", "a3", "a9")
		return nil
	})
	if got := pendingFor(order2, 10); !equal(got, []string{"b1"}) {
		h.Errorf("PendingFor(order2) after Done(b2) = %q", got)
	}
	// A done event is still known: its id is not accepted again.
	if got := h.accept(s, "t", event("a1", order1, 0), event("a4", order1, 0)); !equal(got, []bool{false, true}) {
		h.Errorf("Accept(done a1, a4) = %v, want [false true]", got)
	}
	h.update(s, "t", func(tx store.Tx) error {
		for _, id := range []string{"b1", "a2", "c1", "a3", "a4"} {
			h.must(tx.Done(id))
		}
		return nil
	})
	h.wantPending(s, "t")
	// Acceptance order goes on after everything was done.
	h.accept(s, "t", event("z", order1, 0), event("y", order1, 0))
	h.wantPending(s, "t", "z", "y")
}

// manyEvents returns n events of record r with ids prefix-0 … prefix-(n-1).
func manyEvents(prefix string, r store.Ref, n int) []*store.Event {
	var out []*store.Event
	for i := range n {
		out = append(out, event(fmt.Sprintf("%s-%d", prefix, i), r, time.Duration(i)*time.Second))
	}
	return out
}
