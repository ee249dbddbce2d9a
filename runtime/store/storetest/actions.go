package storetest

// This file checks the action queue.

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

func sampleAction(id string, state store.ActionState, next time.Time) *store.Action {
	return &store.Action{
		ID: id, Run: "run-1", Rule: "pickup ready", Event: "evt-1", Trigger: "status",
		Record: ship1, Name: "email",
		Args:  json.RawMessage(`{"to": "jan@example.cz", "template": "pickup_ready", "amount": "99.90"}`),
		State: state, NextAt: next, Created: at(0), Updated: at(0),
	}
}

func (h *harness) action(tx store.Tx, id string) *store.Action {
	h.Helper()
	a, err := tx.Action(id)
	h.must(err)
	return a
}

func testActions(h *harness) {
	s := h.open()
	full := sampleAction("act-1", store.Pending, at(time.Minute))
	full.Attempt = 2
	full.Error = "connection refused"
	full.Result = json.RawMessage(`{"code": "VIP-0001"}`)
	noState := sampleAction("act-2", "", at(0))
	noState.Run = ""
	noState.Args = nil
	h.update(s, "t", func(tx store.Tx) error {
		h.notFound("Action(missing)", func() error { _, err := tx.Action("act-1"); return err }())
		h.must(tx.Enqueue(full))
		h.must(tx.Enqueue(noState))
		if got := h.action(tx, "act-1"); actionOf(got) != actionOf(full) {
			h.Errorf("Action in the enqueuing transaction:\n got %+v\nwant %+v", actionOf(got), actionOf(full))
		}
		// A duplicate is refused, and the transaction goes on.
		dup := sampleAction("act-1", store.Pending, at(time.Hour))
		dup.Name = "sms"
		if err := tx.Enqueue(dup); !errors.Is(err, store.ErrDuplicate) {
			h.Errorf("Enqueue(duplicate) = %v, want an error wrapping store.ErrDuplicate", err)
		}
		h.must(tx.Enqueue(sampleAction("act-3", store.Pending, at(0))))
		return nil
	})
	h.update(s, "t", func(tx store.Tx) error {
		if got := h.action(tx, "act-1"); actionOf(got) != actionOf(full) {
			h.Errorf("Action:\n got %+v\nwant %+v", actionOf(got), actionOf(full))
		}
		want := *noState
		want.State = store.Pending
		if got := h.action(tx, "act-2"); actionOf(got) != actionOf(&want) {
			h.Errorf("Action enqueued without a state:\n got %+v\nwant %+v", actionOf(got), actionOf(&want))
		}
		h.action(tx, "act-3")
		if err := tx.Enqueue(sampleAction("act-3", store.Pending, at(0))); !errors.Is(err, store.ErrDuplicate) {
			h.Errorf("Enqueue(duplicate of a committed action) = %v, want an error wrapping store.ErrDuplicate", err)
		}
		h.notFound("UpdateAction(missing)", tx.UpdateAction(sampleAction("nope", store.Done, at(0))))

		changed := *full
		changed.State = store.Dead
		changed.Attempt = 8
		changed.Error = "503 Service Unavailable"
		changed.NextAt = at(3 * time.Hour)
		changed.Result = json.RawMessage(`[1, "x"]`)
		changed.Updated = at(2 * time.Hour)
		h.must(tx.UpdateAction(&changed))
		if got := h.action(tx, "act-1"); actionOf(got) != actionOf(&changed) {
			h.Errorf("Action in the updating transaction:\n got %+v\nwant %+v", actionOf(got), actionOf(&changed))
		}
		return nil
	})
	h.view(s, "t", func(tx store.Tx) error {
		if got := h.action(tx, "act-1"); got.State != store.Dead || got.Attempt != 8 || got.Error != "503 Service Unavailable" ||
			!got.NextAt.Equal(at(3*time.Hour)) || normJSON(got.Result) != `[1,"x"]` || !got.Updated.Equal(at(2*time.Hour)) ||
			got.Name != "email" {
			h.Errorf("Action after UpdateAction: %+v", actionOf(got))
		}
		return nil
	})
}

func actionIDs(as []*store.Action) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

func testActionQueue(h *harness) {
	s := h.open()
	h.update(s, "t", func(tx store.Tx) error {
		for _, a := range []*store.Action{
			sampleAction("p3", store.Pending, at(time.Hour)),
			sampleAction("p2", store.Pending, at(time.Minute)),
			sampleAction("p1", store.Pending, at(time.Minute)),
			sampleAction("p0", store.Pending, time.Time{}),
			sampleAction("p4", store.Pending, at(2*time.Hour)),
			sampleAction("d1", store.Done, at(0)),
			sampleAction("f1", store.Failed, at(0)),
			sampleAction("x2", store.Dead, at(time.Minute)),
			sampleAction("x1", store.Dead, at(time.Hour)),
			sampleAction("u1", store.Unknown, at(0)),
		} {
			h.must(tx.Enqueue(a))
		}
		return nil
	})
	h.update(s, "t", func(tx store.Tx) error {
		d := h.action(tx, "d1")
		d.State = store.Pending
		d.NextAt = at(30 * time.Minute)
		h.must(tx.UpdateAction(d))
		p := h.action(tx, "p2")
		p.State = store.Done
		h.must(tx.UpdateAction(p))
		return nil
	})
	h.view(s, "t", func(tx store.Tx) error {
		for _, c := range []struct {
			state store.ActionState
			limit int
			want  []string
		}{
			{store.Pending, 10, []string{"p0", "p1", "d1", "p3", "p4"}},
			{store.Pending, 2, []string{"p0", "p1"}},
			{store.Done, 10, []string{"p2"}},
			{store.Failed, 10, []string{"f1"}},
			{store.Dead, 10, []string{"x2", "x1"}},
			{store.Unknown, 10, []string{"u1"}},
			{store.Skipped, 10, []string{}},
		} {
			got, err := tx.Actions(c.state, c.limit)
			h.must(err)
			if ids := actionIDs(got); !equal(ids, c.want) {
				h.Errorf("Actions(%s, %d) = %q, want %q", c.state, c.limit, ids, c.want)
			}
			for _, a := range got {
				if a.State != c.state {
					h.Errorf("Actions(%s) gave %s in state %s", c.state, a.ID, a.State)
				}
			}
		}
		for _, c := range []struct {
			now   time.Time
			limit int
			want  []string
		}{
			{time.Time{}, 10, []string{"p0"}},
			{at(0), 10, []string{"p0"}},
			{at(time.Minute), 10, []string{"p0", "p1"}},
			{at(time.Hour), 10, []string{"p0", "p1", "d1", "p3"}},
			{at(time.Hour), 3, []string{"p0", "p1", "d1"}},
			{at(10 * time.Hour), 10, []string{"p0", "p1", "d1", "p3", "p4"}},
		} {
			got, err := tx.DueActions(c.now, c.limit)
			h.must(err)
			if ids := actionIDs(got); !equal(ids, c.want) {
				h.Errorf("DueActions(%v, %d) = %q, want %q", c.now, c.limit, ids, c.want)
			}
		}
		return nil
	})
}
