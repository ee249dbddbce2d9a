package storetest

// This file checks Prune: what a retention policy removes and what it
// keeps.

import (
	"fmt"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

// pruneAll calls Prune until it returns less than limit and returns the
// rows removed.
func (h *harness) pruneAll(s store.Store, tenant string, r store.Retention, limit int) int {
	h.Helper()
	total := 0
	for range 100 {
		n, err := s.Prune(h.ctx, tenant, r, limit)
		h.must(err)
		total += n
		if n < limit {
			return total
		}
	}
	h.Fatalf("Prune(%q) still removes rows after 100 calls", tenant)
	return 0
}

func testPrune(h *harness) {
	s := h.open()
	for _, tenant := range []string{"a", "b"} {
		// e1 and e2 done, e3 pending although as old, e4 done but new.
		h.accept(s, tenant, event("e1", order1, time.Hour), event("e2", order2, 2*time.Hour),
			event("e3", ship1, time.Hour), event("e4", order1, 5*time.Hour))
		h.update(s, tenant, func(tx store.Tx) error {
			for _, id := range []string{"e1", "e2", "e4"} {
				if err := tx.Done(id); err != nil {
					return err
				}
			}
			for i, st := range []store.ActionState{store.Done, store.Failed, store.Dead, store.Unknown, store.Pending, store.Done} {
				a := sampleAction(string(rune('a'+i)), st, at(time.Duration(i)*time.Minute))
				a.Updated = at(time.Hour)
				if i == 5 {
					a.Updated = at(5 * time.Hour)
				}
				if err := tx.Enqueue(a); err != nil {
					return err
				}
			}
			var entries []*store.LogEntry
			for i := range 5 {
				entries = append(entries, &store.LogEntry{At: at(time.Duration(i) * time.Hour), Kind: store.KindEvent, Event: "e1", Record: order1})
			}
			return tx.Append(entries...)
		})
	}
	if n, err := s.Prune(h.ctx, "a", store.Retention{}, 10); err != nil || n != 0 {
		h.Errorf("Prune with no cutoff: %d rows, %v; want 0", n, err)
	}
	cut := at(3 * time.Hour)
	// Limit 2: several calls, each at most 2 rows of each kind.
	if n := h.pruneAll(s, "a", store.Retention{Log: cut, Events: cut, Actions: cut}, 2); n != 3+2+2 {
		h.Errorf("Prune removed %d rows, want 7 (3 log entries, 2 events, 2 actions)", n)
	}

	// The log keeps its entries from the cutoff on; the other tenant's
	// all of them.
	entries, _ := h.log(s, "a", store.LogQuery{})
	if got := len(entries); got != 2 || entries[1].At.Before(cut) {
		h.Errorf("log after Prune: %d entries, want the 2 of 3h and 4h", got)
	}
	if entries, _ := h.log(s, "b", store.LogQuery{}); len(entries) != 5 {
		h.Errorf("log of the other tenant: %d entries, want 5", len(entries))
	}

	// The done events' ids are forgotten: a repeat is a new event. The
	// pending one and the new one stay, and the other tenant's.
	h.wantPending(s, "a", "e3")
	if fresh := h.accept(s, "a", event("e1", order1, time.Hour), event("e2", order2, 0), event("e4", order1, 0)); fmt.Sprint(fresh) != "[true true false]" {
		h.Errorf("Accept of pruned e1, e2 and kept e4: fresh %v, want [true true false]", fresh)
	}
	h.wantPending(s, "a", "e3", "e1", "e2")
	if fresh := h.accept(s, "b", event("e1", order1, 0)); fresh[0] {
		h.Error("Accept of e1 in the other tenant: fresh, want a repeat")
	}

	// Actions done and failed before the cutoff go; dead, unknown and
	// pending ones stay, as does the one done after.
	h.view(s, "a", func(tx store.Tx) error {
		for _, id := range []string{"a", "b"} {
			_, err := tx.Action(id)
			h.notFound("Action("+id+") after Prune", err)
		}
		for _, id := range []string{"c", "d", "e", "f"} {
			h.action(tx, id)
		}
		return nil
	})
	h.view(s, "b", func(tx store.Tx) error {
		h.action(tx, "a")
		return nil
	})
}
