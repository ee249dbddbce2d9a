package storetest

// This file checks what holds across the store: refs as keys, tenant
// isolation, rollback, cancellation, concurrent transactions and
// reopening a durable store.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

// testRefKeys checks that a record's type and id are kept apart: a store
// that joined them into one key ("a/b" + "c" = "a" + "b/c") fails.
func testRefKeys(h *harness) {
	s := h.open()
	r1 := store.Ref{Type: "a/b", ID: "c"}
	r2 := store.Ref{Type: "a", ID: "b/c"}
	h.accept(s, "t", event("e1", r1, 0), event("e2", r2, 0))
	h.update(s, "t", func(tx store.Tx) error {
		h.must(tx.PutSnapshot(&store.Snapshot{Ref: r1, Data: dataA, At: at(0)}))
		h.must(tx.PutRun(sampleRun("run-1", r1, at(0))))
		first, err := tx.ClaimOnce("r", r1, "")
		h.must(err)
		second, err := tx.ClaimOnce("r", r2, "")
		h.must(err)
		if !first || !second {
			h.Errorf("ClaimOnce(%v), ClaimOnce(%v) = %v, %v; want true, true", r1, r2, first, second)
		}
		return nil
	})
	h.view(s, "t", func(tx store.Tx) error {
		if got := h.snapshot(tx, r2); got != nil {
			h.Errorf("Snapshot(%v) gave the snapshot of %v", r2, got.Ref)
		}
		if got := h.runsOf(tx, r2); len(got) != 0 {
			h.Errorf("RunsOf(%v) = %q", r2, got)
		}
		p, err := tx.PendingFor(r2, 10)
		h.must(err)
		if got := ids(p); !equal(got, []string{"e2"}) {
			h.Errorf("PendingFor(%v) = %q", r2, got)
		}
		return nil
	})
}

// fillTenant gives tenant one row of every kind, all with the same ids.
func (h *harness) fillTenant(s store.Store, tenant string) {
	h.Helper()
	h.accept(s, tenant, event("e1", order1, 0))
	h.update(s, tenant, func(tx store.Tx) error {
		if tx.Tenant() != tenant {
			h.Errorf("Tenant() = %q, want %q", tx.Tenant(), tenant)
		}
		if _, err := tx.AddEvent(event("e2", order1, time.Second)); err != nil {
			return err
		}
		h.must(tx.PutSnapshot(&store.Snapshot{Ref: order1, Data: dataA, At: at(0), Event: "e1"}))
		if _, err := tx.ClaimOnce("r", order1, ""); err != nil {
			return err
		}
		h.must(tx.PutRun(sampleRun("run-1", order1, at(time.Minute))))
		if _, err := tx.NextSeq("code"); err != nil {
			return err
		}
		h.must(tx.Enqueue(sampleAction("act-1", store.Pending, at(0))))
		h.must(tx.Enqueue(sampleAction("act-2", store.Dead, at(0))))
		return tx.Append(&store.LogEntry{At: at(0), Kind: store.KindFired, Rule: "r", Event: "e1", Trigger: "status", Record: order1})
	})
}

func testTenantIsolation(h *harness) {
	s := h.open()
	h.fillTenant(s, "A")
	// Nothing of A is visible from B, and B's rows with the same ids are
	// B's own.
	h.update(s, "B", func(tx store.Tx) error {
		if tx.Tenant() != "B" {
			h.Errorf("Tenant() = %q, want B", tx.Tenant())
		}
		if p, err := tx.Pending(0, 10); len(p) != 0 || err != nil {
			h.Errorf("B: Pending = %q, %v", ids(p), err)
		}
		if p, err := tx.PendingFor(order1, 10); len(p) != 0 || err != nil {
			h.Errorf("B: PendingFor = %q, %v", ids(p), err)
		}
		h.notFound("B: Done(A's event)", tx.Done("e1"))
		if got := h.snapshot(tx, order1); got != nil {
			h.Errorf("B: Snapshot = %+v", got)
		}
		if snaps, err := tx.Snapshots("order", "", 10); len(snaps) != 0 || err != nil {
			h.Errorf("B: Snapshots = %v, %v", snaps, err)
		}
		h.notFound("B: Run(A's run)", func() error { _, err := tx.Run("run-1"); return err }())
		if got := h.runsOf(tx, order1); len(got) != 0 {
			h.Errorf("B: RunsOf = %q", got)
		}
		if runs, err := tx.DueRuns(at(time.Hour), 10); len(runs) != 0 || err != nil {
			h.Errorf("B: DueRuns = %v, %v", runs, err)
		}
		if due, err := tx.NextDue(); !due.IsZero() || err != nil {
			h.Errorf("B: NextDue = %v, %v", due, err)
		}
		h.notFound("B: Action(A's action)", func() error { _, err := tx.Action("act-1"); return err }())
		h.notFound("B: UpdateAction(A's action)", tx.UpdateAction(sampleAction("act-1", store.Done, at(0))))
		for _, st := range []store.ActionState{store.Pending, store.Dead} {
			if as, err := tx.Actions(st, 10); len(as) != 0 || err != nil {
				h.Errorf("B: Actions(%s) = %q, %v", st, actionIDs(as), err)
			}
		}
		if as, err := tx.DueActions(at(time.Hour), 10); len(as) != 0 || err != nil {
			h.Errorf("B: DueActions = %q, %v", actionIDs(as), err)
		}
		h.must(tx.DeleteRun("run-1")) // must not delete A's
		return nil
	})
	if got, next := h.log(s, "B", store.LogQuery{}); len(got) != 0 || next != "" {
		h.Errorf("B: Log = %v", entryIDs(got))
	}
	// B's rows with A's ids are new rows.
	if got := h.accept(s, "B", event("e1", order1, 0)); !equal(got, []bool{true}) {
		h.Errorf("B: Accept(A's event id) = %v, want [true]", got)
	}
	h.update(s, "B", func(tx store.Tx) error {
		fresh, err := tx.AddEvent(event("e2", order1, 0))
		h.must(err)
		first, err := tx.ClaimOnce("r", order1, "")
		h.must(err)
		n, err := tx.NextSeq("code")
		h.must(err)
		if !fresh || !first || n != 1 {
			h.Errorf("B: AddEvent, ClaimOnce, NextSeq = %v, %v, %d; want true, true, 1", fresh, first, n)
		}
		h.must(tx.Enqueue(sampleAction("act-1", store.Pending, at(0))))
		h.must(tx.PutRun(sampleRun("run-1", order2, time.Time{})))
		h.must(tx.PutSnapshot(&store.Snapshot{Ref: order1, Data: dataC, At: at(time.Hour)}))
		return tx.Done("e1")
	})
	// A is as it was.
	h.wantPending(s, "A", "e1", "e2")
	h.update(s, "A", func(tx store.Tx) error {
		if got := h.snapshot(tx, order1); got == nil || got.Data != normJSON(dataA) {
			h.Errorf("A: Snapshot = %+v, want A's", got)
		}
		run, err := tx.Run("run-1")
		h.must(err)
		if run.Record != order1 || !run.Due.Equal(at(time.Minute)) {
			h.Errorf("A: Run = %+v, want A's", run)
		}
		if a := h.action(tx, "act-1"); a.State != store.Pending {
			h.Errorf("A: action state %s", a.State)
		}
		n, err := tx.NextSeq("code")
		h.must(err)
		if n != 2 {
			h.Errorf("A: NextSeq = %d, want 2", n)
		}
		first, err := tx.ClaimOnce("r", order1, "")
		h.must(err)
		if first {
			h.Error("A: ClaimOnce = true after B's claim, want false (A claimed before)")
		}
		return nil
	})
	if got, _ := h.log(s, "A", store.LogQuery{}); len(got) != 1 {
		h.Errorf("A: Log has %d entries, want 1", len(got))
	}
}

func testRollback(h *harness) {
	s := h.open()
	h.fillTenant(s, "t")
	h.update(s, "t", func(tx store.Tx) error { return tx.PutRun(sampleRun("run-2", order2, at(time.Hour))) })
	boom := errors.New("boom")
	err := s.Update(h.ctx, "t", func(tx store.Tx) error {
		if _, err := tx.AddEvent(event("new", order1, 0)); err != nil {
			return err
		}
		h.must(tx.Done("e1"))
		h.must(tx.PutSnapshot(&store.Snapshot{Ref: order1, Data: dataC, At: at(time.Hour)}))
		h.must(tx.PutSnapshot(&store.Snapshot{Ref: order2, Data: dataC, At: at(time.Hour)}))
		if _, err := tx.ClaimOnce("r", order2, ""); err != nil {
			return err
		}
		changed := sampleRun("run-1", order1, at(3*time.Hour))
		changed.Next = 9
		h.must(tx.PutRun(changed))
		h.must(tx.PutRun(sampleRun("run-new", order1, at(0))))
		h.must(tx.DeleteRun("run-2"))
		if _, err := tx.NextSeq("code"); err != nil {
			return err
		}
		if _, err := tx.NextSeq("fresh"); err != nil {
			return err
		}
		h.must(tx.Enqueue(sampleAction("act-new", store.Pending, at(0))))
		a := sampleAction("act-1", store.Done, at(time.Hour))
		h.must(tx.UpdateAction(a))
		h.must(tx.Append(&store.LogEntry{At: at(0), Kind: store.KindError, Message: "lost"}))
		return fmt.Errorf("fn failed: %w", boom)
	})
	if !errors.Is(err, boom) {
		h.Fatalf("Update = %v, want the error of fn", err)
	}
	h.wantPending(s, "t", "e1", "e2")
	h.update(s, "t", func(tx store.Tx) error {
		if got := h.snapshot(tx, order1); got == nil || got.Data != normJSON(dataA) {
			h.Errorf("snapshot after rollback = %+v", got)
		}
		if got := h.snapshot(tx, order2); got != nil {
			h.Errorf("snapshot put in a rolled-back transaction: %+v", got)
		}
		if first, err := tx.ClaimOnce("r", order2, ""); !first || err != nil {
			h.Errorf("ClaimOnce after a rolled-back claim = %v, %v; want true", first, err)
		}
		run, err := tx.Run("run-1")
		h.must(err)
		if runOf(run) != runOf(sampleRun("run-1", order1, at(time.Minute))) {
			h.Errorf("run after rollback: %+v", runOf(run))
		}
		h.notFound("Run(rolled-back run)", func() error { _, err := tx.Run("run-new"); return err }())
		if _, err := tx.Run("run-2"); err != nil {
			h.Errorf("run deleted in a rolled-back transaction: %v", err)
		}
		if got := h.runsOf(tx, order1); !equal(got, []string{"run-1"}) {
			h.Errorf("RunsOf after rollback = %q", got)
		}
		if due, err := tx.NextDue(); !due.Equal(at(time.Minute)) || err != nil {
			h.Errorf("NextDue after rollback = %v, %v", due, err)
		}
		if n, err := tx.NextSeq("code"); n != 2 || err != nil {
			h.Errorf("NextSeq(code) after rollback = %d, %v; want 2", n, err)
		}
		if n, err := tx.NextSeq("fresh"); n != 1 || err != nil {
			h.Errorf("NextSeq(fresh) after rollback = %d, %v; want 1", n, err)
		}
		h.notFound("Action(rolled-back action)", func() error { _, err := tx.Action("act-new"); return err }())
		if a := h.action(tx, "act-1"); a.State != store.Pending || !a.NextAt.Equal(at(0)) {
			h.Errorf("action after rollback: %+v", actionOf(a))
		}
		return nil
	})
	if got := h.accept(s, "t", event("new", order1, 0)); !equal(got, []bool{true}) {
		h.Errorf("Accept(event added in a rolled-back transaction) = %v, want [true]", got)
	}
	if got, _ := h.log(s, "t", store.LogQuery{}); len(got) != 1 {
		h.Errorf("log after rollback has %d entries, want 1", len(got))
	}
}

func testCanceled(h *harness) {
	s := h.open()
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	if err := s.Update(ctx, "t", func(tx store.Tx) error {
		_, err := tx.NextSeq("n")
		return err
	}); err == nil {
		h.Error("Update with a canceled context: no error")
	}
	if _, err := s.Accept(ctx, "t", []*store.Event{event("e1", order1, 0)}); err == nil {
		h.Error("Accept with a canceled context: no error")
	}
	h.wantPending(s, "t")
	h.update(s, "t", func(tx store.Tx) error {
		if n, err := tx.NextSeq("n"); n != 1 || err != nil {
			h.Errorf("NextSeq after a canceled Update = %d, %v; want 1", n, err)
		}
		return nil
	})
}

// testConcurrentSeq checks that concurrent transactions lose no sequence
// numbers: 8 goroutines × 50 NextSeq give exactly 1 … 400.
func testConcurrentSeq(h *harness) {
	s := h.open()
	const workers, each = 8, 50
	got := make([][]int64, workers)
	parallel(workers, func(w int) {
		for range each {
			var n int64
			err := s.Update(h.ctx, "t", func(tx store.Tx) error {
				var err error
				n, err = tx.NextSeq("code")
				return err
			})
			if err != nil {
				h.Errorf("worker %d: %v", w, err)
				return
			}
			got[w] = append(got[w], n)
		}
	})
	var all []int64
	for _, g := range got {
		all = append(all, g...)
	}
	slices.Sort(all)
	for i, n := range all {
		if n != int64(i+1) {
			h.Fatalf("sequence values of %d transactions: %v…, want 1 … %d", len(all), all[:min(len(all), i+3)], workers*each)
		}
	}
	if len(all) != workers*each {
		h.Errorf("got %d sequence values, want %d", len(all), workers*each)
	}
}

// testConcurrentRecords runs read-modify-write transactions on one shared
// record and on one record per goroutine: no update may be lost, and one
// shared once-claim is won exactly once.
func testConcurrentRecords(h *harness) {
	s := h.open()
	const workers, each = 8, 15
	shared := store.Ref{Type: "order", ID: "shared"}
	var wins atomic.Int32
	bump := func(tx store.Tx, r store.Ref) error {
		if err := tx.Claim(r); err != nil {
			return err
		}
		snap, err := tx.Snapshot(r)
		if err != nil {
			return err
		}
		n := 0
		if snap != nil {
			if n, err = strconv.Atoi(string(snap.Data)); err != nil {
				return err
			}
		}
		return tx.PutSnapshot(&store.Snapshot{Ref: r, Data: json.RawMessage(strconv.Itoa(n + 1)), At: at(0)})
	}
	parallel(workers, func(w int) {
		own := store.Ref{Type: "order", ID: fmt.Sprint("own-", w)}
		for i := range each {
			var first bool
			err := s.Update(h.ctx, "t", func(tx store.Tx) error {
				if err := bump(tx, own); err != nil {
					return err
				}
				if i%3 == 0 {
					if err := bump(tx, shared); err != nil {
						return err
					}
				}
				var err error
				if first, err = tx.ClaimOnce("once", shared, ""); err != nil {
					return err
				}
				return tx.Append(&store.LogEntry{At: at(0), Kind: store.KindFired, Rule: "bump", Record: own})
			})
			if err != nil {
				h.Errorf("worker %d: %v", w, err)
				return
			}
			if first { // counted once committed: a retried try may claim again
				wins.Add(1)
			}
		}
	})
	h.view(s, "t", func(tx store.Tx) error {
		for w := range workers {
			if got := h.snapshot(tx, store.Ref{Type: "order", ID: fmt.Sprint("own-", w)}); got == nil || got.Data != strconv.Itoa(each) {
				h.Errorf("record own-%d: %+v, want %d", w, got, each)
			}
		}
		if got := h.snapshot(tx, shared); got == nil || got.Data != strconv.Itoa(workers*((each+2)/3)) {
			h.Errorf("shared record: %+v, want %d", got, workers*((each+2)/3))
		}
		return nil
	})
	if n := wins.Load(); n != 1 {
		h.Errorf("the shared once-claim was won %d times, want 1", n)
	}
	if got := h.logAll(s, "t", store.LogQuery{Rule: "bump", Limit: 50}); len(got) != workers*each {
		h.Errorf("log has %d entries, want %d", len(got), workers*each)
	}
}

// testConcurrentAccept accepts overlapping batches from several
// goroutines: each id is fresh exactly once.
func testConcurrentAccept(h *harness) {
	s := h.open()
	const workers, n = 4, 40
	var fresh [n]atomic.Int32
	parallel(workers, func(w int) {
		for i := 0; i < n; i += 5 {
			batch := manyEvents("e", order1, n)[i : i+5]
			if w%2 == 1 {
				slices.Reverse(batch)
			}
			got, err := s.Accept(h.ctx, "t", batch)
			if err != nil {
				h.Errorf("worker %d: %v", w, err)
				return
			}
			for j, f := range got {
				if f {
					k, _ := strconv.Atoi(batch[j].ID[len("e-"):])
					fresh[k].Add(1)
				}
			}
		}
	})
	for i := range fresh {
		if c := fresh[i].Load(); c != 1 {
			h.Errorf("event e-%d was fresh %d times, want 1", i, c)
		}
	}
	if got := h.pending(s, "t", 1000); len(got) != n {
		h.Errorf("Pending has %d events, want %d", len(got), n)
	}
}

// testReopen checks that a durable store keeps every kind of row when it
// is closed and opened again, and that counters go on where they were.
func testReopen(h *harness) {
	if h.f.Reopen == nil {
		h.Skip("the store keeps nothing (Factory.Reopen is nil)")
	}
	s := h.f.Open(h.T)
	closed := h.closeAtEnd(s)
	h.fillTenant(s, "t")
	h.update(s, "t", func(tx store.Tx) error { return tx.Done("e1") })
	before, _ := h.log(s, "t", store.LogQuery{})

	s, _ = h.reopen(s, closed)
	h.wantPending(s, "t", "e2")
	if got := h.accept(s, "t", event("e1", order1, 0), event("e3", order1, 0)); !equal(got, []bool{false, true}) {
		h.Errorf("Accept(e1, e3) after reopening = %v, want [false true]", got)
	}
	h.wantPending(s, "t", "e2", "e3")
	h.update(s, "t", func(tx store.Tx) error {
		if got := h.snapshot(tx, order1); got == nil || got.Data != normJSON(dataA) || got.Event != "e1" || !got.At.Equal(at(0)) {
			h.Errorf("Snapshot after reopening = %+v", got)
		}
		if first, err := tx.ClaimOnce("r", order1, ""); first || err != nil {
			h.Errorf("ClaimOnce after reopening = %v, %v; want false", first, err)
		}
		run, err := tx.Run("run-1")
		h.must(err)
		if runOf(run) != runOf(sampleRun("run-1", order1, at(time.Minute))) {
			h.Errorf("Run after reopening = %+v", runOf(run))
		}
		if due, err := tx.NextDue(); !due.Equal(at(time.Minute)) || err != nil {
			h.Errorf("NextDue after reopening = %v, %v", due, err)
		}
		if n, err := tx.NextSeq("code"); n != 2 || err != nil {
			h.Errorf("NextSeq after reopening = %d, %v; want 2", n, err)
		}
		if a := h.action(tx, "act-1"); actionOf(a) != actionOf(sampleAction("act-1", store.Pending, at(0))) {
			h.Errorf("Action after reopening = %+v", actionOf(a))
		}
		if as, err := tx.Actions(store.Dead, 10); !equal(actionIDs(as), []string{"act-2"}) || err != nil {
			h.Errorf("Actions(dead) after reopening = %q, %v", actionIDs(as), err)
		}
		return tx.Append(&store.LogEntry{At: at(0), Kind: store.KindEvent, Event: "e3", Record: order1})
	})
	after, _ := h.log(s, "t", store.LogQuery{})
	if len(after) != len(before)+1 || after[0].ID <= before[0].ID || entryOf(after[1]) != entryOf(before[0]) {
		h.Errorf("log after reopening: %v, before %v", entryIDs(after), entryIDs(before))
	}
}
