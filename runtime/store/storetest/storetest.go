// Package storetest is the conformance suite of [store.Store]. Every
// implementation (memstore, localstore, pgstore) calls [Run] from its own
// tests, so the engine can count on one behaviour whichever store keeps
// its state: the inbox and its de-duplication, snapshots, the once-ledger,
// waiting runs, sequences, the action queue, the event log and its paging,
// tenant isolation, all-or-nothing transactions, serialisable concurrent
// updates and, for durable stores, data that survives reopening.
//
// What the suite takes as the contract where store.go leaves room:
//
//   - JSON fields (Event.Data, Snapshot.Data, Run.Lets, Action.Args and
//     Result, LogEntry.Args and Result, Clause.Value) come back equal to
//     what was stored once both are compacted: a store may drop
//     insignificant white space but must not reorder keys or rewrite
//     numbers (so no PostgreSQL jsonb). A nil value may come back as JSON
//     null and the other way round.
//   - Times come back as the same instant to the microsecond (stores keep
//     UTC microseconds; the engine truncates what it stores), in any
//     location. The zero time comes back as the zero time.
//   - Missing rows: Snapshot gives nil and no error; Run, Action,
//     UpdateAction and Done give an error wrapping store.ErrNotFound;
//     DeleteRun of a missing run is not an error.
//   - Event ids, run ids, action ids, once keys, sequence names and log
//     entries are all per tenant: the same id in two tenants names two
//     rows.
//   - A failed Enqueue (store.ErrDuplicate) leaves the transaction usable.
//   - Log entry IDs increase in append order; a page's cursor stays
//     correct when entries are appended between pages; the last page has
//     no cursor, even when it is exactly full.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

// Factory makes the stores the suite tests.
type Factory struct {
	// Open returns a new, empty store. The suite closes it when the test
	// that opened it ends.
	Open func(t *testing.T) store.Store
	// Reopen opens again the location of s, which the suite has closed,
	// and returns a store that must see everything s committed. Nil for
	// stores that keep nothing (memstore); the reopen tests are then
	// skipped.
	Reopen func(t *testing.T, s store.Store) store.Store
}

// Run runs the whole conformance suite against the stores f makes, each
// group of checks as a subtest of t.
func Run(t *testing.T, f Factory) {
	tests := []struct {
		name  string
		fn    func(*harness)
		state bool // checks a record's state: run again with read-ahead
	}{
		{"Accept", testAccept, false},
		{"AcceptRoundTrip", testAcceptRoundTrip, false},
		{"Pending", testPending, true},
		{"Snapshots", testSnapshots, true},
		{"ClaimOnce", testClaimOnce, true},
		{"Runs", testRuns, true},
		{"DueRuns", testDueRuns, true},
		{"NextSeq", testNextSeq, false},
		{"Actions", testActions, false},
		{"ActionQueue", testActionQueue, false},
		{"LogAppend", testLogAppend, false},
		{"LogRoundTrip", testLogRoundTrip, false},
		{"LogQuery", testLogQuery, false},
		{"LogPaging", testLogPaging, false},
		{"RefKeys", testRefKeys, true},
		{"TenantIsolation", testTenantIsolation, true},
		{"Rollback", testRollback, true},
		{"Canceled", testCanceled, false},
		{"ConcurrentSeq", testConcurrentSeq, false},
		{"ConcurrentRecords", testConcurrentRecords, true},
		{"ConcurrentAccept", testConcurrentAccept, false},
		{"Prune", testPrune, false},
		{"Reopen", testReopen, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(&harness{T: t, f: f, ctx: context.Background()})
		})
	}
	if !readsAhead(t, f) {
		return
	}
	// The same checks of the records' state, with every record read
	// ahead (store.Prefetcher) before the transaction first reads or
	// writes it: the answers must not change.
	ahead := Factory{Open: func(t *testing.T) store.Store { return readAhead{f.Open(t)} }}
	for _, tt := range tests {
		if tt.state {
			t.Run("ReadAhead/"+tt.name, func(t *testing.T) {
				tt.fn(&harness{T: t, f: ahead, ctx: context.Background()})
			})
		}
	}
}

// readsAhead reports whether the transactions of f's stores implement
// store.Prefetcher.
func readsAhead(t *testing.T, f Factory) bool {
	s := f.Open(t)
	defer s.Close()
	var ok bool
	err := s.Update(context.Background(), "t", func(tx store.Tx) error {
		_, ok = tx.(store.Prefetcher)
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	return ok
}

// readAhead is a store whose transactions read a record ahead before
// they first touch it, as the engine does before a batch.
type readAhead struct{ store.Store }

func (s readAhead) Update(ctx context.Context, tenant string, fn func(tx store.Tx) error) error {
	return s.Store.Update(ctx, tenant, func(tx store.Tx) error {
		return fn(aheadTx{tx, tx.(store.Prefetcher)})
	})
}

type aheadTx struct {
	store.Tx
	p store.Prefetcher
}

func (x aheadTx) PendingFor(r store.Ref, limit int) ([]*store.Event, error) {
	if err := x.p.Prefetch([]store.Ref{r}); err != nil {
		return nil, err
	}
	return x.Tx.PendingFor(r, limit)
}

func (x aheadTx) Snapshot(r store.Ref) (*store.Snapshot, error) {
	if err := x.p.Prefetch([]store.Ref{r}); err != nil {
		return nil, err
	}
	return x.Tx.Snapshot(r)
}

func (x aheadTx) RunsOf(r store.Ref) ([]*store.Run, error) {
	if err := x.p.Prefetch([]store.Ref{r}); err != nil {
		return nil, err
	}
	return x.Tx.RunsOf(r)
}

func (x aheadTx) AddEvent(e *store.Event) (bool, error) {
	if err := x.p.Prefetch([]store.Ref{e.Record}); err != nil {
		return false, err
	}
	return x.Tx.AddEvent(e)
}

func (x aheadTx) PutSnapshot(s *store.Snapshot) error {
	if err := x.p.Prefetch([]store.Ref{s.Ref}); err != nil {
		return err
	}
	return x.Tx.PutSnapshot(s)
}

func (x aheadTx) PutRun(r *store.Run) error {
	if err := x.p.Prefetch([]store.Ref{r.Record}); err != nil {
		return err
	}
	return x.Tx.PutRun(r)
}

// harness opens stores for one subtest and closes them when it ends.
type harness struct {
	*testing.T
	f   Factory
	ctx context.Context
}

// open returns a new store, closed when the test ends.
func (h *harness) open() store.Store {
	h.Helper()
	s := h.f.Open(h.T)
	if s == nil {
		h.Fatal("Factory.Open returned nil")
	}
	h.closeAtEnd(s)
	return s
}

func (h *harness) closeAtEnd(s store.Store) *bool {
	closed := new(bool)
	h.Cleanup(func() {
		if !*closed {
			if err := s.Close(); err != nil {
				h.Errorf("Close: %v", err)
			}
		}
	})
	return closed
}

// reopen closes s and opens its location again; it skips the test for
// stores that keep nothing.
func (h *harness) reopen(s store.Store, closed *bool) (store.Store, *bool) {
	h.Helper()
	if err := s.Close(); err != nil {
		h.Fatalf("Close: %v", err)
	}
	*closed = true
	s = h.f.Reopen(h.T, s)
	if s == nil {
		h.Fatal("Factory.Reopen returned nil")
	}
	return s, h.closeAtEnd(s)
}

// update runs fn in a transaction that must commit.
func (h *harness) update(s store.Store, tenant string, fn func(tx store.Tx) error) {
	h.Helper()
	if err := s.Update(h.ctx, tenant, fn); err != nil {
		h.Fatalf("Update(%q): %v", tenant, err)
	}
}

// view runs fn in a transaction whose changes (none are expected) are
// rolled back.
func (h *harness) view(s store.Store, tenant string, fn func(tx store.Tx) error) {
	h.Helper()
	err := s.Update(h.ctx, tenant, func(tx store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errView
	})
	if !errors.Is(err, errView) {
		h.Fatalf("Update(%q): %v", tenant, err)
	}
}

var errView = errors.New("storetest: read-only transaction")

func (h *harness) accept(s store.Store, tenant string, events ...*store.Event) []bool {
	h.Helper()
	fresh, err := s.Accept(h.ctx, tenant, events)
	if err != nil {
		h.Fatalf("Accept(%q): %v", tenant, err)
	}
	if len(fresh) != len(events) {
		h.Fatalf("Accept(%q) of %d events gave %d results", tenant, len(events), len(fresh))
	}
	return fresh
}

func (h *harness) log(s store.Store, tenant string, q store.LogQuery) ([]*store.LogEntry, string) {
	h.Helper()
	entries, next, err := s.Log(h.ctx, tenant, q)
	if err != nil {
		h.Fatalf("Log(%q, %+v): %v", tenant, q, err)
	}
	return entries, next
}

// must fails the test when err is not nil.
func (h *harness) must(err error) {
	h.Helper()
	if err != nil {
		h.Fatal(err)
	}
}

// notFound fails the test unless err wraps store.ErrNotFound.
func (h *harness) notFound(what string, err error) {
	h.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		h.Errorf("%s: got error %v, want one wrapping store.ErrNotFound", what, err)
	}
}

// t0 is the suite's base time: microseconds, and not in UTC, so stores
// must keep the instant rather than the wall clock.
var t0 = time.Date(2026, 11, 22, 11, 0, 0, 123456000, time.FixedZone("CET", 3600))

func at(d time.Duration) time.Time { return t0.Add(d) }

// Sample JSON values: white space to be compacted, key order that must
// stay, exact decimals and big numbers that must not pass through a float.
var (
	dataA = json.RawMessage(`{"status": "new", "total": "99.90", "b": 1, "a": [1.50, 12345678901234567890], "name": "Jiří \u00e9 \"q\""}`)
	dataB = json.RawMessage(`{"status":"ready_for_pickup","nested":{"z":{"y":null,"x":true}},"n":-0.000}`)
	dataC = json.RawMessage(`{ "status" : "paid" }`)
)

// normJSON compacts a JSON value; nil and null are both nil.
func normJSON(raw json.RawMessage) string {
	if len(bytes.TrimSpace(raw)) == 0 {
		return ""
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "invalid JSON " + string(raw)
	}
	if b.String() == "null" {
		return ""
	}
	return b.String()
}

// normTime makes equal instants compare equal with ==.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// The norm functions return comparable copies: JSON compacted, times in
// UTC, fields the store assigns cleared.

type normEvent struct {
	ID, Type string
	At       time.Time
	Record   store.Ref
	Data     string
	Depth    int
	Cause    string
}

func eventOf(e *store.Event) normEvent {
	return normEvent{e.ID, e.Type, normTime(e.At), e.Record, normJSON(e.Data), e.Depth, e.Cause}
}

type normSnapshot struct {
	Ref   store.Ref
	Data  string
	At    time.Time
	Event string
}

func snapshotOf(s *store.Snapshot) *normSnapshot {
	if s == nil {
		return nil
	}
	return &normSnapshot{s.Ref, normJSON(s.Data), normTime(s.At), s.Event}
}

func runOf(r *store.Run) string {
	c := *r
	c.Lets = rawOf(r.Lets)
	c.Due = normTime(r.Due)
	c.Started = normTime(r.Started)
	return show(c)
}

func actionOf(a *store.Action) string {
	c := *a
	c.Args = rawOf(a.Args)
	c.Result = rawOf(a.Result)
	c.NextAt = normTime(a.NextAt)
	c.Created = normTime(a.Created)
	c.Updated = normTime(a.Updated)
	return show(c)
}

func entryOf(e *store.LogEntry) string {
	c := *e
	c.At = normTime(e.At)
	c.Args = rawOf(e.Args)
	c.Result = rawOf(e.Result)
	c.Clauses = nil
	for _, cl := range e.Clauses {
		c.Clauses = append(c.Clauses, store.Clause{Text: cl.Text, Value: rawOf(cl.Value)})
	}
	return show(c)
}

// rawOf is normJSON as a json.RawMessage (nil for nil and null).
func rawOf(raw json.RawMessage) json.RawMessage {
	if n := normJSON(raw); n != "" {
		return json.RawMessage(n)
	}
	return nil
}

// show renders a normalised value for comparison and messages.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v (%v)", v, err)
	}
	return string(b)
}

// ids lists the ids of events.
func ids(events []*store.Event) []string {
	out := []string{}
	for _, e := range events {
		out = append(out, e.ID)
	}
	return out
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// parallel runs fn(0) … fn(n-1) at once in goroutines and waits for them.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { fn(i) })
	}
	wg.Wait()
}
