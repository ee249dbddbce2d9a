// Package memstore is the in-memory implementation of store.Store: the
// state of dry runs (`rulec run`, `rulec test`) and of the engine's tests.
// It keeps everything until the process ends and never touches a disk.
//
// Update holds the store's lock for the whole transaction and records an
// undo step for every change, so a failing transaction leaves nothing
// behind; transactions therefore run one at a time, which is all a dry run
// needs.
package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

// Store is an in-memory store.Store. The zero value is not usable; call
// New.
type Store struct {
	mu      sync.Mutex
	tenants map[string]*tenant
	// LogLimit, when positive, keeps only the newest LogLimit entries of
	// each tenant's log (long dry runs that print as they go need none).
	logLimit int
}

// Option configures a Store.
type Option func(*Store)

// LogLimit keeps only the newest n log entries per tenant (0: all).
func LogLimit(n int) Option { return func(s *Store) { s.logLimit = n } }

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{tenants: make(map[string]*tenant)}
	for _, o := range opts {
		o(s)
	}
	return s
}

type onceKey struct {
	rule string
	ref  store.Ref
	key  string
}

type tenant struct {
	events  map[string]*store.Event // every accepted id
	inbox   []*store.Event          // pending, in acceptance order (done ones are removed lazily)
	done    map[string]bool
	seq     int64
	snaps   map[store.Ref]*store.Snapshot
	ids     map[string][]string // record type → sorted ids
	once    map[onceKey]struct{}
	runs    map[string]*store.Run
	runSeq  map[string]int64 // run id → first-stored order
	nextRun int64
	byRef   map[store.Ref]map[string]bool // record → ids of its runs
	due     []dueKey                      // runs with a Due, sorted
	seqs    map[string]int64
	actions map[string]*store.Action
	log     []*store.LogEntry
	logID   int64
}

func newTenant() *tenant {
	return &tenant{
		events:  make(map[string]*store.Event),
		done:    make(map[string]bool),
		snaps:   make(map[store.Ref]*store.Snapshot),
		ids:     make(map[string][]string),
		once:    make(map[onceKey]struct{}),
		runs:    make(map[string]*store.Run),
		runSeq:  make(map[string]int64),
		byRef:   make(map[store.Ref]map[string]bool),
		seqs:    make(map[string]int64),
		actions: make(map[string]*store.Action),
	}
}

func (s *Store) tenant(name string) *tenant {
	t := s.tenants[name]
	if t == nil {
		t = newTenant()
		s.tenants[name] = t
	}
	return t
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := &tx{s: s, name: tenant, t: s.tenant(tenant)}
	err := fn(tx)
	if err != nil {
		for i := len(tx.undo) - 1; i >= 0; i-- {
			tx.undo[i]()
		}
	} else if s.logLimit > 0 && len(tx.t.log) > s.logLimit {
		tx.t.log = slices.Delete(tx.t.log, 0, len(tx.t.log)-s.logLimit)
	}
	tx.t = nil // a Tx must not be used after Update returns
	return err
}

// Accept implements store.Store.
func (s *Store) Accept(ctx context.Context, tenant string, events []*store.Event) ([]bool, error) {
	fresh := make([]bool, len(events))
	err := s.Update(ctx, tenant, func(tx store.Tx) error {
		for i, e := range events {
			ok, err := tx.AddEvent(e)
			if err != nil {
				return err
			}
			fresh[i] = ok
		}
		return nil
	})
	return fresh, err
}

// Log implements store.Store.
func (s *Store) Log(ctx context.Context, tenant string, q store.LogQuery) ([]*store.LogEntry, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	before := int64(-1)
	if q.Cursor != "" {
		n, err := strconv.ParseInt(q.Cursor, 10, 64)
		if err != nil || n < 0 {
			return nil, "", fmt.Errorf("bad cursor %q", q.Cursor)
		}
		before = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenants[tenant]
	if t == nil {
		return nil, "", nil
	}
	var out []*store.LogEntry
	for i := len(t.log) - 1; i >= 0; i-- {
		e := t.log[i]
		if before >= 0 && e.ID >= before || !matches(e, &q) {
			continue
		}
		c := *e
		if out = append(out, &c); len(out) > limit {
			break
		}
	}
	page, next := store.LogPage(out, limit)
	return page, next, nil
}

// Prune implements store.Store.
func (s *Store) Prune(ctx context.Context, tenant string, r store.Retention, limit int) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenants[tenant]
	if t == nil || limit <= 0 {
		return 0, nil
	}
	n := 0
	if !r.Log.IsZero() {
		k := 0
		for k < len(t.log) && k < limit && t.log[k].At.Before(r.Log) {
			k++
		}
		t.log = slices.Delete(t.log, 0, k)
		n += k
	}
	if !r.Events.IsZero() {
		pending := make(map[string]bool, len(t.inbox))
		for _, e := range t.inbox {
			pending[e.ID] = !t.done[e.ID]
		}
		var done []*store.Event
		for id, e := range t.events {
			if !pending[id] {
				done = append(done, e)
			}
		}
		slices.SortFunc(done, func(a, b *store.Event) int { return cmp.Compare(a.Seq, b.Seq) })
		gone := map[string]bool{}
		for _, e := range done[:min(limit, len(done))] {
			if e.At.Before(r.Events) {
				gone[e.ID] = true
				delete(t.events, e.ID)
				delete(t.done, e.ID)
			}
		}
		t.inbox = slices.DeleteFunc(t.inbox, func(e *store.Event) bool { return gone[e.ID] })
		n += len(gone)
	}
	if !r.Actions.IsZero() {
		x := &tx{s: s, name: tenant, t: t}
		for _, st := range []store.ActionState{store.Done, store.Failed} {
			for _, a := range x.actions(func(a *store.Action) bool { return a.State == st }, limit) {
				if a.Updated.Before(r.Actions) {
					delete(t.actions, a.ID)
					n++
				}
			}
		}
	}
	return n, nil
}

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

// Close implements store.Store.
func (s *Store) Close() error { return nil }

type tx struct {
	s    *Store
	name string
	t    *tenant
	undo []func()
}

func (x *tx) Tenant() string { return x.name }

func (x *tx) AddEvent(e *store.Event) (bool, error) {
	t := x.t
	if _, ok := t.events[e.ID]; ok {
		return false, nil
	}
	c := *e
	t.seq++
	c.Seq = t.seq
	e.Seq = c.Seq
	t.events[e.ID] = &c
	t.inbox = append(t.inbox, &c)
	x.undo = append(x.undo, func() {
		delete(t.events, e.ID)
		t.inbox = t.inbox[:len(t.inbox)-1]
		t.seq--
	})
	return true, nil
}

func (x *tx) Pending(after int64, limit int) ([]*store.Event, error) {
	return x.pending(func(e *store.Event) bool { return e.Seq > after }, limit), nil
}

func (x *tx) PendingFor(r store.Ref, limit int) ([]*store.Event, error) {
	return x.pending(func(e *store.Event) bool { return e.Record == r }, limit), nil
}

func (x *tx) pending(keep func(*store.Event) bool, limit int) []*store.Event {
	t := x.t
	// Drop done events from the front, so a long dry run stays linear.
	if len(x.undo) == 0 {
		n := 0
		for n < len(t.inbox) && t.done[t.inbox[n].ID] {
			id := t.inbox[n].ID
			delete(t.done, id)
			t.events[id] = &store.Event{ID: id, At: t.inbox[n].At, Seq: t.inbox[n].Seq} // seen; its data can go
			n++
		}
		t.inbox = t.inbox[n:]
	}
	var out []*store.Event
	for _, e := range t.inbox {
		if len(out) == limit {
			break
		}
		if !t.done[e.ID] && keep(e) {
			c := *e
			out = append(out, &c)
		}
	}
	return out
}

func (x *tx) Done(id string) error {
	t := x.t
	if _, ok := t.events[id]; !ok {
		return fmt.Errorf("event %q: %w", id, store.ErrNotFound)
	}
	if t.done[id] {
		return nil
	}
	t.done[id] = true
	x.undo = append(x.undo, func() { delete(t.done, id) })
	return nil
}

// Claim implements store.Tx: transactions run one at a time.
func (x *tx) Claim(store.Ref) error { return nil }

func (x *tx) Snapshot(r store.Ref) (*store.Snapshot, error) {
	s := x.t.snaps[r]
	if s == nil {
		return nil, nil
	}
	c := *s
	return &c, nil
}

func (x *tx) PutSnapshot(s *store.Snapshot) error {
	t := x.t
	old := t.snaps[s.Ref]
	c := *s
	t.snaps[s.Ref] = &c
	if old != nil {
		x.undo = append(x.undo, func() { t.snaps[s.Ref] = old })
		return nil
	}
	ids := t.ids[s.Ref.Type]
	i, _ := slices.BinarySearch(ids, s.Ref.ID)
	t.ids[s.Ref.Type] = slices.Insert(ids, i, s.Ref.ID)
	x.undo = append(x.undo, func() {
		delete(t.snaps, s.Ref)
		ids := t.ids[s.Ref.Type]
		if i, ok := slices.BinarySearch(ids, s.Ref.ID); ok {
			t.ids[s.Ref.Type] = slices.Delete(ids, i, i+1)
		}
	})
	return nil
}

func (x *tx) Snapshots(typ, after string, limit int) ([]*store.Snapshot, error) {
	ids := x.t.ids[typ]
	i, found := slices.BinarySearch(ids, after)
	if found {
		i++
	}
	var out []*store.Snapshot
	for ; i < len(ids) && len(out) < limit; i++ {
		c := *x.t.snaps[store.Ref{Type: typ, ID: ids[i]}]
		out = append(out, &c)
	}
	return out, nil
}

func (x *tx) ClaimOnce(rule string, r store.Ref, key string) (bool, error) {
	k := onceKey{rule, r, key}
	if _, ok := x.t.once[k]; ok {
		return false, nil
	}
	x.t.once[k] = struct{}{}
	x.undo = append(x.undo, func() { delete(x.t.once, k) })
	return true, nil
}

// dueKey orders runs by Due, then id.
type dueKey struct {
	due time.Time
	id  string
}

func cmpDue(a, b dueKey) int {
	if c := a.due.Compare(b.due); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

// index adds (on) or removes a run from the record and due indexes.
func (t *tenant) index(r *store.Run, on bool) {
	if on {
		m := t.byRef[r.Record]
		if m == nil {
			m = make(map[string]bool)
			t.byRef[r.Record] = m
		}
		m[r.ID] = true
	} else if m := t.byRef[r.Record]; m != nil {
		delete(m, r.ID)
		if len(m) == 0 {
			delete(t.byRef, r.Record)
		}
	}
	if r.Due.IsZero() {
		return
	}
	k := dueKey{r.Due, r.ID}
	i, found := slices.BinarySearchFunc(t.due, k, cmpDue)
	switch {
	case on && !found:
		t.due = slices.Insert(t.due, i, k)
	case !on && found:
		t.due = slices.Delete(t.due, i, i+1)
	}
}

func (x *tx) PutRun(run *store.Run) error {
	t := x.t
	old := t.runs[run.ID]
	c := *run
	if old != nil {
		t.index(old, false)
	}
	t.runs[run.ID] = &c
	t.index(&c, true)
	if old != nil {
		x.undo = append(x.undo, func() {
			t.index(&c, false)
			t.runs[run.ID] = old
			t.index(old, true)
		})
		return nil
	}
	t.nextRun++
	t.runSeq[run.ID] = t.nextRun
	x.undo = append(x.undo, func() {
		t.index(&c, false)
		delete(t.runs, run.ID)
		delete(t.runSeq, run.ID)
	})
	return nil
}

func (x *tx) Run(id string) (*store.Run, error) {
	r := x.t.runs[id]
	if r == nil {
		return nil, fmt.Errorf("run %q: %w", id, store.ErrNotFound)
	}
	c := *r
	return &c, nil
}

func (x *tx) DeleteRun(id string) error {
	t := x.t
	old := t.runs[id]
	if old == nil {
		return nil
	}
	seq := t.runSeq[id]
	t.index(old, false)
	delete(t.runs, id)
	delete(t.runSeq, id)
	x.undo = append(x.undo, func() {
		t.runs[id] = old
		t.runSeq[id] = seq
		t.index(old, true)
	})
	return nil
}

func (x *tx) RunsOf(r store.Ref) ([]*store.Run, error) {
	var out []*store.Run
	for id := range x.t.byRef[r] {
		c := *x.t.runs[id]
		out = append(out, &c)
	}
	slices.SortFunc(out, func(a, b *store.Run) int {
		return int(x.t.runSeq[a.ID] - x.t.runSeq[b.ID])
	})
	return out, nil
}

func (x *tx) DueRuns(now time.Time, limit int) ([]*store.Run, error) {
	var out []*store.Run
	for _, k := range x.t.due {
		if k.due.After(now) || len(out) == limit {
			break
		}
		c := *x.t.runs[k.id]
		out = append(out, &c)
	}
	return out, nil
}

func (x *tx) NextDue() (time.Time, error) {
	if len(x.t.due) == 0 {
		return time.Time{}, nil
	}
	return x.t.due[0].due, nil
}

func (x *tx) NextSeq(name string) (int64, error) {
	t := x.t
	t.seqs[name]++
	x.undo = append(x.undo, func() { t.seqs[name]-- })
	return t.seqs[name], nil
}

func (x *tx) Enqueue(a *store.Action) error {
	t := x.t
	if _, ok := t.actions[a.ID]; ok {
		return fmt.Errorf("action %q: %w", a.ID, store.ErrDuplicate)
	}
	c := *a
	if c.State == "" {
		c.State = store.Pending
	}
	t.actions[a.ID] = &c
	x.undo = append(x.undo, func() { delete(t.actions, a.ID) })
	return nil
}

func (x *tx) Action(id string) (*store.Action, error) {
	a := x.t.actions[id]
	if a == nil {
		return nil, fmt.Errorf("action %q: %w", id, store.ErrNotFound)
	}
	c := *a
	return &c, nil
}

func (x *tx) UpdateAction(a *store.Action) error {
	t := x.t
	old := t.actions[a.ID]
	if old == nil {
		return fmt.Errorf("action %q: %w", a.ID, store.ErrNotFound)
	}
	c := *a
	t.actions[a.ID] = &c
	x.undo = append(x.undo, func() { t.actions[a.ID] = old })
	return nil
}

func (x *tx) Actions(state store.ActionState, limit int) ([]*store.Action, error) {
	return x.actions(func(a *store.Action) bool { return a.State == state }, limit), nil
}

func (x *tx) DueActions(now time.Time, limit int) ([]*store.Action, error) {
	return x.actions(func(a *store.Action) bool {
		return a.State == store.Pending && !a.NextAt.After(now)
	}, limit), nil
}

func (x *tx) actions(keep func(*store.Action) bool, limit int) []*store.Action {
	var out []*store.Action
	for _, a := range x.t.actions {
		if keep(a) {
			c := *a
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *store.Action) int {
		if c := a.NextAt.Compare(b.NextAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

func (x *tx) Append(entries ...*store.LogEntry) error {
	t := x.t
	n := len(t.log)
	for _, e := range entries {
		t.logID++
		e.ID = t.logID
		c := *e
		t.log = append(t.log, &c)
	}
	x.undo = append(x.undo, func() {
		t.logID -= int64(len(t.log) - n)
		t.log = t.log[:n]
	})
	return nil
}

var _ store.Store = (*Store)(nil)
