package storetest

// This file checks the event log: Append, Log's filters, its order and
// its paging.

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

func (h *harness) appendLog(s store.Store, tenant string, entries ...*store.LogEntry) {
	h.Helper()
	h.update(s, tenant, func(tx store.Tx) error { return tx.Append(entries...) })
}

func entryIDs(entries []*store.LogEntry) []int64 {
	out := []int64{}
	for _, e := range entries {
		out = append(out, e.ID)
	}
	return out
}

func testLogAppend(h *harness) {
	s := h.open()
	var all []*store.LogEntry
	for i := range 3 {
		batch := []*store.LogEntry{
			{At: at(0), Kind: store.KindEvent, Event: fmt.Sprint("e", i), Record: order1},
			{At: at(0), Kind: store.KindFired, Rule: "r", Event: fmt.Sprint("e", i), Record: order1},
		}
		h.appendLog(s, "t", batch...)
		all = append(all, batch...)
	}
	h.update(s, "t", func(tx store.Tx) error {
		if err := tx.Append(); err != nil {
			return err
		}
		e := &store.LogEntry{At: at(0), Kind: store.KindError, Message: "x"}
		all = append(all, e)
		return tx.Append(e)
	})
	for i, e := range all {
		if e.ID <= 0 || i > 0 && e.ID <= all[i-1].ID {
			h.Errorf("Append gave entry %d the ID %d, after %d: want increasing IDs", i, e.ID, all[max(i-1, 0)].ID)
		}
	}
	got, next := h.log(s, "t", store.LogQuery{})
	want := []int64{}
	for i := len(all) - 1; i >= 0; i-- {
		want = append(want, all[i].ID)
	}
	if ids := entryIDs(got); !equal(ids, want) || next != "" {
		h.Errorf("Log() = %v, %q; want %v newest first, no cursor", ids, next, want)
	}
}

func testLogRoundTrip(h *harness) {
	s := h.open()
	in := []*store.LogEntry{
		{
			At: at(time.Second), Kind: store.KindAction, Rule: "pickup ready", Event: "evt-0001",
			Trigger: "status", Record: ship1, Action: "email", ActionID: "act-1",
			Args:   json.RawMessage(`{"to": "jan@example.cz", "amount": "99.90", "n": 12345678901234567890}`),
			Result: json.RawMessage(`"VIP-0001"`), State: store.Failed, Attempt: 3,
			Error: "dial tcp: connection refused", Duration: 1234567 * time.Nanosecond,
			Message: "třetí pokus",
		},
		{
			At: at(2 * time.Second), Kind: store.KindFired, Rule: "pickup ready", Event: "evt-0001",
			Trigger: "status", Record: ship1,
			Clauses: []store.Clause{
				{Text: "shipment.status is ready_for_pickup", Value: json.RawMessage(`true`)},
				{Text: "order.total > 100", Value: json.RawMessage(` "99.90" `)},
				{Text: "customer.phone", Value: json.RawMessage(`null`)},
				{Text: "items", Value: json.RawMessage(`[{"b": 1, "a": 2}]`)},
			},
		},
		{At: time.Time{}, Kind: store.KindError},
	}
	h.appendLog(s, "t", in...)
	got, _ := h.log(s, "t", store.LogQuery{})
	if len(got) != len(in) {
		h.Fatalf("Log gave %d entries, want %d", len(got), len(in))
	}
	for i, e := range got {
		want := in[len(in)-1-i]
		if entryOf(e) != entryOf(want) {
			h.Errorf("entry %d:\n got %s\nwant %s", i, entryOf(e), entryOf(want))
		}
	}
}

// logFixture returns n entries whose fields vary independently: kind,
// rule, trigger, record, event and time (not in ID order, with ties).
func logFixture(n int) []*store.LogEntry {
	kinds := []store.LogKind{store.KindEvent, store.KindFired, store.KindAction, store.KindStopped, store.KindError}
	rules := []string{"", "r1", "r2", "r 3"}
	triggers := []string{"status", "phase", "schedule"}
	refs := []store.Ref{order1, order2, ship1, {Type: "shipment", ID: "O-1"}}
	var out []*store.LogEntry
	for i := range n {
		out = append(out, &store.LogEntry{
			At:      at(time.Duration((i*7)%10) * time.Minute),
			Kind:    kinds[i%len(kinds)],
			Rule:    rules[i%len(rules)],
			Trigger: triggers[i%len(triggers)],
			Record:  refs[(i/2)%len(refs)],
			Event:   fmt.Sprint("ev-", i/3),
			Action:  []string{"", "notify", "email"}[i%3],
		})
	}
	return out
}

// matches is the reference meaning of a LogQuery's filters.
func matches(e *store.LogEntry, q *store.LogQuery) bool {
	switch {
	case q.Rule != "" && e.Rule != q.Rule,
		q.Trigger != "" && e.Trigger != q.Trigger,
		q.Kind != "" && e.Kind != q.Kind,
		q.Event != "" && e.Event != q.Event,
		q.Action != "" && e.Action != q.Action,
		q.Record.Type != "" && e.Record.Type != q.Record.Type,
		q.Record.ID != "" && e.Record.ID != q.Record.ID,
		!q.From.IsZero() && e.At.Before(q.From),
		!q.To.IsZero() && !e.At.Before(q.To):
		return false
	}
	return true
}

// logAll pages through q with q.Limit and returns every entry, checking
// each page's size, order and cursor.
func (h *harness) logAll(s store.Store, tenant string, q store.LogQuery) []*store.LogEntry {
	h.Helper()
	limit := q.Limit
	if limit == 0 {
		limit = 100
	}
	var all []*store.LogEntry
	for page := 0; ; page++ {
		if page > 1000 {
			h.Fatalf("Log(%+v): more than 1000 pages", q)
		}
		got, next := h.log(s, tenant, q)
		if len(got) > limit {
			h.Errorf("Log(%+v) gave %d entries, more than the limit", q, len(got))
		}
		if next != "" && len(got) < limit {
			h.Errorf("Log(%+v) gave a short page (%d) with a cursor", q, len(got))
		}
		all = append(all, got...)
		if next == "" {
			break
		}
		q.Cursor = next
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID {
			h.Errorf("Log(%+v): entry %d after %d: want newest first", q, all[i].ID, all[i-1].ID)
		}
	}
	return all
}

func testLogQuery(h *harness) {
	s := h.open()
	entries := logFixture(60)
	for i := 0; i < len(entries); i += 9 {
		h.appendLog(s, "t", entries[i:min(i+9, len(entries))]...)
	}
	for _, q := range []store.LogQuery{
		{},
		{Rule: "r1"},
		{Rule: "r 3"},
		{Trigger: "phase"},
		{Kind: store.KindFired},
		{Kind: store.KindError},
		{Record: store.Ref{Type: "shipment"}},
		{Record: store.Ref{ID: "O-1"}},
		{Record: order1},
		{Record: store.Ref{Type: "shipment", ID: "O-1"}},
		{Event: "ev-4"},
		{Action: "notify"},
		{Action: "email", Record: order1},
		{From: at(3 * time.Minute)},
		{To: at(5 * time.Minute)},
		{From: at(3 * time.Minute), To: at(5 * time.Minute)},
		{From: at(3 * time.Minute).Add(time.Microsecond), To: at(5 * time.Minute).Add(time.Microsecond)},
		{Rule: "r2", Record: store.Ref{Type: "order"}},
		{Kind: store.KindAction, Trigger: "status", From: at(2 * time.Minute)},
		{Rule: "r1", Trigger: "phase", Kind: store.KindEvent, Record: order2, Event: "ev-1"},
		{Rule: "nope"},
		{Record: store.Ref{Type: "order", ID: "SH-1"}},
	} {
		var want []int64
		for i := len(entries) - 1; i >= 0; i-- {
			if matches(entries[i], &q) {
				want = append(want, entries[i].ID)
			}
		}
		for _, limit := range []int{0, 1, 7} {
			q.Limit = limit
			got := h.logAll(s, "t", q)
			if ids := entryIDs(got); !equal(ids, want) {
				h.Errorf("Log(%+v) = %v, want %v", q, ids, want)
			}
			for _, e := range got {
				if !matches(e, &q) {
					h.Errorf("Log(%+v) gave an entry that does not match: %s", q, entryOf(e))
				}
			}
		}
	}
}

func testLogPaging(h *harness) {
	s := h.open()
	if got, next := h.log(s, "nobody", store.LogQuery{}); len(got) != 0 || next != "" {
		h.Errorf("Log of an unknown tenant = %v, %q", entryIDs(got), next)
	}
	// Default limit: 100.
	many := logFixture(105)
	h.appendLog(s, "t", many...)
	got, next := h.log(s, "t", store.LogQuery{})
	if len(got) != 100 || next == "" {
		h.Errorf("Log() of 105 entries gave %d and cursor %q; want 100 and a cursor", len(got), next)
	}
	got, next = h.log(s, "t", store.LogQuery{Cursor: next})
	if len(got) != 5 || next != "" || got[0].ID != many[4].ID {
		h.Errorf("second page of 105 entries: %v, %q", entryIDs(got), next)
	}

	// An exactly full last page has no cursor.
	mk := func(rule string, n int) []*store.LogEntry {
		var out []*store.LogEntry
		for i := range n {
			out = append(out, &store.LogEntry{At: at(time.Duration(i) * time.Second), Kind: store.KindFired, Rule: rule, Record: order1})
		}
		return out
	}
	ten := mk("ten", 10)
	h.appendLog(s, "t", ten...)
	p1, next := h.log(s, "t", store.LogQuery{Rule: "ten", Limit: 5})
	p2, last := h.log(s, "t", store.LogQuery{Rule: "ten", Limit: 5, Cursor: next})
	if len(p1) != 5 || next == "" || len(p2) != 5 || last != "" || p2[4].ID != ten[0].ID {
		h.Errorf("10 entries by 5: %v %q, %v %q; want two full pages, the last without a cursor", entryIDs(p1), next, entryIDs(p2), last)
	}

	// Entries appended between pages do not shift later pages.
	old := mk("grow", 20)
	h.appendLog(s, "t", old...)
	var seen []int64
	q := store.LogQuery{Rule: "grow", Limit: 6}
	for round := 0; ; round++ {
		got, next := h.log(s, "t", q)
		seen = append(seen, entryIDs(got)...)
		if next == "" || round > 10 {
			break
		}
		h.appendLog(s, "t", mk("grow", 3)...)
		h.appendLog(s, "t", mk("other", 2)...)
		q.Cursor = next
	}
	var want []int64
	for i := len(old) - 1; i >= 0; i-- {
		want = append(want, old[i].ID)
	}
	if !equal(seen, want) {
		h.Errorf("paging while appending gave %v, want %v", seen, want)
	}

	// Entries of a transaction that failed are not in the log.
	boom := errors.New("boom")
	err := s.Update(h.ctx, "t", func(tx store.Tx) error {
		h.must(tx.Append(mk("lost", 3)...))
		return boom
	})
	if !errors.Is(err, boom) {
		h.Errorf("Update = %v, want %v", err, boom)
	}
	if got, _ := h.log(s, "t", store.LogQuery{Rule: "lost"}); len(got) != 0 {
		h.Errorf("entries of a rolled-back transaction are in the log: %v", entryIDs(got))
	}
	later := mk("later", 1)
	h.appendLog(s, "t", later...)
	if top, _ := h.log(s, "t", store.LogQuery{Limit: 1}); len(top) != 1 || top[0].ID != later[0].ID {
		h.Errorf("newest entry = %v, want %d", entryIDs(top), later[0].ID)
	}

	for _, cursor := range []string{"garbage", "-1", "12abc"} {
		if _, _, err := s.Log(h.ctx, "t", store.LogQuery{Cursor: cursor}); err == nil {
			h.Errorf("Log with cursor %q: no error", cursor)
		}
	}
}
