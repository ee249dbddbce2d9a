package pgstore

// This file defines the read-ahead of a transaction that processes a
// batch of events (store.Prefetcher): what the engine reads about each
// record of the batch — its pending events, snapshot and waiting runs —
// is read for all of them in one round trip, and kept up to date by the
// transaction's own writes. On the load benchmark a processed event was
// otherwise three sequential round trips more.

import (
	"slices"

	"github.com/automat-rules/automat/runtime/store"
	"github.com/jackc/pgx/v5"
)

// prefetchPending is how many pending events of a record the read-ahead
// takes; a record with more is read again once they are done.
const prefetchPending = 64

// ahead is what a transaction read ahead about one record. A nil slice
// or false flag means "not known": the store is asked.
type ahead struct {
	pending     []*store.Event // not done, in order
	pendingOK   bool
	pendingFull bool // the read hit prefetchPending: there may be more
	snap        *store.Snapshot
	snapOK      bool
	runs        []*store.Run
	runsOK      bool
}

// Prefetch implements store.Prefetcher: one round trip reads, for every
// record of refs not read yet, what PendingFor (claiming the record, as
// PendingFor does), Snapshot and RunsOf would.
func (x *tx) Prefetch(refs []store.Ref) error {
	if err := x.flush(); err != nil {
		return err
	}
	if x.ahead == nil {
		x.ahead = make(map[store.Ref]*ahead)
	}
	b := &pgx.Batch{}
	for _, r := range refs {
		if x.ahead[r] != nil {
			continue
		}
		a := &ahead{}
		x.ahead[r] = a
		b.Queue(qPendingOf, x.tenant, r.Type, r.ID, prefetchPending).Query(func(rows pgx.Rows) error {
			evs, err := collect(rows, nil, scanEvent)
			a.pending, a.pendingOK, a.pendingFull = evs, err == nil, len(evs) == prefetchPending
			return err
		})
		b.Queue(qSnapshot, x.tenant, r.Type, r.ID).Query(func(rows pgx.Rows) error {
			snaps, err := collect(rows, nil, scanSnapshot)
			if len(snaps) > 0 {
				a.snap = snaps[0]
			}
			a.snapOK = err == nil
			return err
		})
		b.Queue(qRunsOf, x.tenant, r.Type, r.ID).Query(func(rows pgx.Rows) error {
			runs, err := collect(rows, nil, scanRun)
			a.runs, a.runsOK = runs, err == nil
			return err
		})
	}
	if b.Len() == 0 {
		return nil
	}
	return x.tx.SendBatch(x.ctx, b).Close()
}

// pendingFor answers PendingFor from the read-ahead, if it can.
func (x *tx) pendingFor(r store.Ref, limit int) ([]*store.Event, bool) {
	a := x.ahead[r]
	if a == nil || !a.pendingOK || a.pendingFull && len(a.pending) < limit {
		return nil, false
	}
	out := make([]*store.Event, 0, min(limit, len(a.pending)))
	for _, e := range a.pending[:min(limit, len(a.pending))] {
		c := *e
		out = append(out, &c)
	}
	return out, true
}

// snapshot answers Snapshot from the read-ahead, if it can.
func (x *tx) snapshot(r store.Ref) (*store.Snapshot, bool) {
	a := x.ahead[r]
	if a == nil || !a.snapOK {
		return nil, false
	}
	if a.snap == nil {
		return nil, true
	}
	c := *a.snap
	return &c, true
}

// runsOf answers RunsOf from the read-ahead, if it can.
func (x *tx) runsOf(r store.Ref) ([]*store.Run, bool) {
	a := x.ahead[r]
	if a == nil || !a.runsOK {
		return nil, false
	}
	var out []*store.Run
	for _, run := range a.runs {
		c := *run
		out = append(out, &c)
	}
	return out, true
}

// pendingKnown reports whether event id is a pending event the
// read-ahead holds, and forgets it: it is being marked done.
func (x *tx) pendingKnown(id string) bool {
	for _, a := range x.ahead {
		if !a.pendingOK {
			continue
		}
		if i := slices.IndexFunc(a.pending, func(e *store.Event) bool { return e.ID == id }); i >= 0 {
			a.pending = slices.Delete(a.pending, i, i+1)
			return true
		}
	}
	return false
}

// The transaction's own writes keep the read-ahead true: a new event of
// a record or a changed run makes it ask the store again; a snapshot
// written is the one it will read.

func (x *tx) addedEvent(r store.Ref) {
	if a := x.ahead[r]; a != nil {
		a.pendingOK = false
	}
}

func (x *tx) putSnapshot(s *store.Snapshot) {
	if a := x.ahead[s.Ref]; a != nil {
		c := *s
		a.snap, a.snapOK = &c, true
	}
}

func (x *tx) changedRun(r store.Ref) {
	if a := x.ahead[r]; a != nil {
		a.runsOK = false
	}
}

// deletedRun forgets the runs of the record a deleted run belonged to.
func (x *tx) deletedRun(id string) {
	for _, a := range x.ahead {
		if a.runsOK && slices.ContainsFunc(a.runs, func(r *store.Run) bool { return r.ID == id }) {
			a.runsOK = false
		}
	}
}
