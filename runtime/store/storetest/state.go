package storetest

// This file checks record snapshots, the once-ledger, waiting runs and
// sequences.

import (
	"encoding/json"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

func (h *harness) snapshot(tx store.Tx, r store.Ref) *normSnapshot {
	h.Helper()
	s, err := tx.Snapshot(r)
	h.must(err)
	return snapshotOf(s)
}

func testSnapshots(h *harness) {
	s := h.open()
	first := &store.Snapshot{Ref: store.Ref{Type: "order", ID: "3"}, Data: dataA, At: at(0), Event: "e1"}
	h.update(s, "t", func(tx store.Tx) error {
		if got, err := tx.Snapshot(first.Ref); got != nil || err != nil {
			h.Errorf("Snapshot(missing) = %+v, %v; want nil, nil", got, err)
		}
		h.must(tx.PutSnapshot(first))
		if got := h.snapshot(tx, first.Ref); *got != *snapshotOf(first) {
			h.Errorf("Snapshot in the putting transaction:\n got %+v\nwant %+v", got, snapshotOf(first))
		}
		return nil
	})
	h.view(s, "t", func(tx store.Tx) error {
		if got := h.snapshot(tx, first.Ref); got == nil || *got != *snapshotOf(first) {
			h.Errorf("Snapshot:\n got %+v\nwant %+v", got, snapshotOf(first))
		}
		return nil
	})
	second := &store.Snapshot{Ref: first.Ref, Data: dataB, At: at(time.Hour), Event: "e2"}
	h.update(s, "t", func(tx store.Tx) error {
		h.must(tx.PutSnapshot(second))
		for _, id := range []string{"1", "10", "b", "2"} {
			h.must(tx.PutSnapshot(&store.Snapshot{Ref: store.Ref{Type: "order", ID: id}, Data: dataC, At: at(0), Event: "e" + id}))
		}
		h.must(tx.PutSnapshot(&store.Snapshot{Ref: store.Ref{Type: "customer", ID: "1"}, Data: dataC, At: at(0)}))
		h.must(tx.PutSnapshot(&store.Snapshot{Ref: store.Ref{Type: "orders", ID: "0"}, Data: dataC, At: at(0)}))
		return nil
	})
	h.view(s, "t", func(tx store.Tx) error {
		if got := h.snapshot(tx, first.Ref); got == nil || *got != *snapshotOf(second) {
			h.Errorf("Snapshot after replacing:\n got %+v\nwant %+v", got, snapshotOf(second))
		}
		page := func(after string, limit int) []string {
			snaps, err := tx.Snapshots("order", after, limit)
			h.must(err)
			out := []string{}
			for _, s := range snaps {
				if s.Ref.Type != "order" {
					h.Errorf("Snapshots(order) gave %v", s.Ref)
				}
				out = append(out, s.Ref.ID)
			}
			return out
		}
		// Ids are ordered as strings, byte by byte.
		for _, c := range []struct {
			after string
			limit int
			want  []string
		}{
			{"", 100, []string{"1", "10", "2", "3", "b"}},
			{"", 2, []string{"1", "10"}},
			{"10", 2, []string{"2", "3"}},
			{"3", 2, []string{"b"}},
			{"1", 1, []string{"10"}},
			{"0", 1, []string{"1"}},
			{"b", 2, []string{}},
		} {
			if got := page(c.after, c.limit); !equal(got, c.want) {
				h.Errorf("Snapshots(order, %q, %d) = %q, want %q", c.after, c.limit, got, c.want)
			}
		}
		all, err := tx.Snapshots("order", "2", 10)
		h.must(err)
		if len(all) != 2 || *snapshotOf(all[0]) != *snapshotOf(second) {
			h.Errorf("Snapshots(order, 2) = %+v; want the replaced 3 first", all)
		}
		if snaps, err := tx.Snapshots("nope", "", 10); len(snaps) != 0 || err != nil {
			h.Errorf("Snapshots(unknown type) = %v, %v", snaps, err)
		}
		return nil
	})
}

func testClaimOnce(h *harness) {
	s := h.open()
	claim := func(tx store.Tx, rule string, r store.Ref, key string, want bool) {
		h.Helper()
		got, err := tx.ClaimOnce(rule, r, key)
		h.must(err)
		if got != want {
			h.Errorf("ClaimOnce(%q, %v, %q) = %v, want %v", rule, r, key, got, want)
		}
	}
	h.update(s, "t", func(tx store.Tx) error {
		claim(tx, "pickup ready", ship1, "", true)
		claim(tx, "pickup ready", ship1, "", false)
		claim(tx, "pickup ready", ship1, "k", true)
		claim(tx, "pickup ready", order1, "", true)
		claim(tx, "other", ship1, "", true)
		return nil
	})
	h.update(s, "t", func(tx store.Tx) error {
		claim(tx, "pickup ready", ship1, "", false)
		claim(tx, "pickup ready", ship1, "k", false)
		claim(tx, "pickup ready", ship1, "K", true)
		claim(tx, "pickup ready", ship1, "\"2026-11\" ✓", true)
		claim(tx, "pickup ready", store.Ref{Type: "shipment", ID: "SH-2"}, "", true)
		claim(tx, "other", order1, "", true)
		return nil
	})
}

func sampleRun(id string, r store.Ref, due time.Time) *store.Run {
	return &store.Run{
		ID: id, Rule: "pickup reminder", Version: "sha256:abc", Record: r,
		Event: "evt-1", Trigger: "status", Depth: 1, Next: 2,
		Lets: json.RawMessage(`[null, "X-0001", {"a": 1.10}]`), State: store.WaitTime,
		Due: due, Started: at(0),
	}
}

func (h *harness) runsOf(tx store.Tx, r store.Ref) []string {
	h.Helper()
	runs, err := tx.RunsOf(r)
	h.must(err)
	out := []string{}
	for _, run := range runs {
		if run.Record != r {
			h.Errorf("RunsOf(%v) gave a run of %v", r, run.Record)
		}
		out = append(out, run.ID)
	}
	return out
}

func testRuns(h *harness) {
	s := h.open()
	full := sampleRun("run-c", order1, at(2*time.Hour))
	full.Version = "v2"
	full.State = store.WaitAction
	full.Action = "act-1"
	noDue := sampleRun("run-a", order1, time.Time{})
	noDue.State = store.WaitUntil
	noDue.Lets = nil
	h.update(s, "t", func(tx store.Tx) error {
		h.notFound("Run(missing)", func() error { _, err := tx.Run("run-c"); return err }())
		h.must(tx.PutRun(full))
		h.must(tx.PutRun(noDue))
		h.must(tx.PutRun(sampleRun("run-b", order1, at(time.Hour))))
		h.must(tx.PutRun(sampleRun("run-x", order2, at(time.Hour))))
		got, err := tx.Run("run-c")
		h.must(err)
		if runOf(got) != runOf(full) {
			h.Errorf("Run in the putting transaction:\n got %+v\nwant %+v", runOf(got), runOf(full))
		}
		return nil
	})
	h.view(s, "t", func(tx store.Tx) error {
		for _, want := range []*store.Run{full, noDue} {
			got, err := tx.Run(want.ID)
			h.must(err)
			if runOf(got) != runOf(want) {
				h.Errorf("Run(%s):\n got %+v\nwant %+v", want.ID, runOf(got), runOf(want))
			}
		}
		if got := h.runsOf(tx, order1); !equal(got, []string{"run-c", "run-a", "run-b"}) {
			h.Errorf("RunsOf(order1) = %q, want the order they were stored in", got)
		}
		if got := h.runsOf(tx, ship1); len(got) != 0 {
			h.Errorf("RunsOf(ship1) = %q", got)
		}
		return nil
	})
	// Replacing keeps a run's place; deleting and storing again does not.
	replaced := sampleRun("run-c", order1, time.Time{})
	replaced.Next = 5
	replaced.State = store.WaitUntil
	replaced.Lets = json.RawMessage(`[1,2]`)
	h.update(s, "t", func(tx store.Tx) error {
		h.must(tx.PutRun(replaced))
		h.must(tx.DeleteRun("run-a"))
		h.must(tx.DeleteRun("run-a")) // a missing run is no error
		h.notFound("Run(deleted)", func() error { _, err := tx.Run("run-a"); return err }())
		h.must(tx.PutRun(noDue))
		return nil
	})
	h.view(s, "t", func(tx store.Tx) error {
		got, err := tx.Run("run-c")
		h.must(err)
		if runOf(got) != runOf(replaced) {
			h.Errorf("Run after replacing:\n got %+v\nwant %+v", runOf(got), runOf(replaced))
		}
		if got := h.runsOf(tx, order1); !equal(got, []string{"run-c", "run-b", "run-a"}) {
			h.Errorf("RunsOf(order1) after replace and re-store = %q", got)
		}
		return nil
	})
	h.update(s, "t", func(tx store.Tx) error {
		for _, id := range []string{"run-a", "run-b", "run-c"} {
			h.must(tx.DeleteRun(id))
		}
		return nil
	})
	h.view(s, "t", func(tx store.Tx) error {
		if got := h.runsOf(tx, order1); len(got) != 0 {
			h.Errorf("RunsOf(order1) after deleting all = %q", got)
		}
		if got := h.runsOf(tx, order2); !equal(got, []string{"run-x"}) {
			h.Errorf("RunsOf(order2) = %q", got)
		}
		return nil
	})
}

func testDueRuns(h *harness) {
	s := h.open()
	due := func(tx store.Tx, now time.Time, limit int) []string {
		h.Helper()
		runs, err := tx.DueRuns(now, limit)
		h.must(err)
		out := []string{}
		for _, r := range runs {
			out = append(out, r.ID)
		}
		return out
	}
	nextDue := func(tx store.Tx) time.Time {
		h.Helper()
		t, err := tx.NextDue()
		h.must(err)
		return t
	}
	h.view(s, "t", func(tx store.Tx) error {
		if got := nextDue(tx); !got.IsZero() {
			h.Errorf("NextDue of an empty store = %v, want the zero time", got)
		}
		return nil
	})
	h.update(s, "t", func(tx store.Tx) error {
		h.must(tx.PutRun(sampleRun("late", order1, at(3*time.Hour))))
		h.must(tx.PutRun(sampleRun("x2", order2, at(time.Hour))))
		h.must(tx.PutRun(sampleRun("x1", ship1, at(time.Hour))))
		h.must(tx.PutRun(sampleRun("never", order1, time.Time{})))
		h.must(tx.PutRun(sampleRun("early", order1, at(time.Minute))))
		return nil
	})
	h.view(s, "t", func(tx store.Tx) error {
		if got := nextDue(tx); !got.Equal(at(time.Minute)) {
			h.Errorf("NextDue = %v, want %v", got, at(time.Minute))
		}
		for _, c := range []struct {
			now   time.Time
			limit int
			want  []string
		}{
			{at(0), 10, []string{}},
			{at(time.Minute), 10, []string{"early"}}, // Due equal to now is due
			{at(time.Hour), 10, []string{"early", "x1", "x2"}},
			{at(time.Hour).Add(-time.Microsecond), 10, []string{"early"}},
			{at(10 * time.Hour), 10, []string{"early", "x1", "x2", "late"}},
			{at(10 * time.Hour), 2, []string{"early", "x1"}},
		} {
			if got := due(tx, c.now, c.limit); !equal(got, c.want) {
				h.Errorf("DueRuns(%v, %d) = %q, want %q", c.now.Sub(t0), c.limit, got, c.want)
			}
		}
		return nil
	})
	// Changing or removing a deadline moves the run in or out of the due
	// order.
	h.update(s, "t", func(tx store.Tx) error {
		h.must(tx.PutRun(sampleRun("early", order1, time.Time{})))
		h.must(tx.PutRun(sampleRun("never", order1, at(2*time.Hour))))
		h.must(tx.DeleteRun("x1"))
		return nil
	})
	h.view(s, "t", func(tx store.Tx) error {
		if got := nextDue(tx); !got.Equal(at(time.Hour)) {
			h.Errorf("NextDue after changes = %v, want %v", got, at(time.Hour))
		}
		if got := due(tx, at(10*time.Hour), 10); !equal(got, []string{"x2", "never", "late"}) {
			h.Errorf("DueRuns after changes = %q", got)
		}
		return nil
	})
}

func testNextSeq(h *harness) {
	s := h.open()
	next := func(tx store.Tx, name string, want int64) {
		h.Helper()
		got, err := tx.NextSeq(name)
		h.must(err)
		if got != want {
			h.Errorf("NextSeq(%q) = %d, want %d", name, got, want)
		}
	}
	h.update(s, "t", func(tx store.Tx) error {
		next(tx, "code:VIP-####", 1)
		next(tx, "code:VIP-####", 2)
		next(tx, "b", 1)
		return nil
	})
	h.update(s, "t", func(tx store.Tx) error {
		next(tx, "code:VIP-####", 3)
		next(tx, "b", 2)
		next(tx, "code:vip-####", 1)
		return nil
	})
}
