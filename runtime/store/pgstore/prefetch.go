package pgstore

// This file defines record claims and the read-ahead of a transaction
// that processes a batch of events (store.Prefetcher).
//
// A claim is a transaction-scoped advisory lock on a hash of tenant,
// record type and id. Transactions run at READ COMMITTED, so the claim
// is what makes a record's read-modify-write safe: it is always taken in
// a statement of its own, before the statements that read the record, so
// that their snapshots see everything the previous holder committed.
//
// The read-ahead reads, for every record of a batch, what the engine will
// ask about it — its pending events, snapshot and waiting runs — in one
// round trip after the claims, and keeps it up to date with the
// transaction's own writes.

import (
	"slices"

	"github.com/automat-rules/automat/runtime/store"
	"github.com/jackc/pgx/v5"
)

const (
	claimKey = `hashtextextended($1 || chr(31) || t || chr(31) || i, 0)`
	// qTryClaims claims the records it can; a record another transaction
	// holds is left to it (its events are taken later).
	qTryClaims = `SELECT pg_try_advisory_xact_lock(` + claimKey + `) FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS r(t, i, n) ORDER BY n`
	// qClaim waits for the record.
	qClaim = `SELECT pg_advisory_xact_lock(` + claimKey + `)::text FROM (VALUES ($2::text, $3::text)) AS r(t, i)`

	qPendingOfMany = `SELECT x.* ` + byRecord + eventCols + ` FROM events` + onRecord + ` AND NOT done ORDER BY seq LIMIT $4) x`
	// The reads by record join the records to their rows LATERAL, and
	// the subquery must stay one (an ORDER BY with LIMIT, FOR UPDATE or
	// OFFSET 0 keeps the planner from flattening it into a join): then it
	// is one index lookup per record whatever the table statistics say.
	// Flattened, a planner whose statistics lag behind a growing table
	// hashes all the tenant's rows instead: 20 ms for 16 records among
	// 8,000 actions (TestReadAheadPlans).
	byRecord     = `FROM unnest($2::text[], $3::text[]) AS r(t, i) CROSS JOIN LATERAL (SELECT `
	onRecord     = ` WHERE tenant = $1 AND record_type = r.t AND record_id = r.i`
	qSnapshotsOf = `SELECT x.* ` + byRecord + snapshotCols + ` FROM snapshots` + onRecord + ` OFFSET 0) x`
	// A record's once-claims and action ids, as (type, id, key).
	qOnceOf     = `SELECT x.* ` + byRecord + `record_type, record_id, rule, key FROM once` + onRecord + ` OFFSET 0) x`
	qActionsOf  = `SELECT x.* ` + byRecord + `record_type, record_id, id FROM actions` + onRecord + ` OFFSET 0) x`
	qRunsOfMany = `SELECT x.* ` + byRecord + runCols + ` FROM runs` + onRecord + ` ORDER BY pos ` + runLock + `) x`
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
	// once holds the record's once-claims ("rule\x00key"), actions its
	// action ids; both are complete (the record is claimed).
	once    map[string]bool
	actions map[string]bool
}

// refColumns returns the types and ids of refs.
func refColumns(refs []store.Ref) (types, ids []string) {
	for _, r := range refs {
		types, ids = append(types, r.Type), append(ids, r.ID)
	}
	return types, ids
}

// tryClaim claims the records of refs this transaction does not hold
// yet, where no other transaction holds them, and returns the ones it
// holds now.
func (x *tx) tryClaim(refs []store.Ref) ([]store.Ref, error) {
	var todo, held []store.Ref
	for _, r := range refs {
		if x.claimed[r] {
			held = append(held, r)
		} else {
			todo = append(todo, r)
		}
	}
	if len(todo) == 0 {
		return held, nil
	}
	types, ids := refColumns(todo)
	rows, err := x.query(qTryClaims, x.tenant, types, ids)
	got, err := collect(rows, err, func(r pgx.Rows) (bool, error) {
		var ok bool
		return ok, r.Scan(&ok)
	})
	if err != nil {
		return nil, err
	}
	for k, ok := range got {
		if ok {
			x.claim(todo[k])
			held = append(held, todo[k])
		}
	}
	return held, nil
}

func (x *tx) claim(r store.Ref) {
	if x.claimed == nil {
		x.claimed = make(map[store.Ref]bool)
	}
	x.claimed[r] = true
}

// Claim implements store.Tx.
func (x *tx) Claim(r store.Ref) error { return x.waitClaim(r) }

// waitClaim claims r, waiting while another transaction holds it.
func (x *tx) waitClaim(r store.Ref) error {
	if x.claimed[r] {
		return nil
	}
	if _, err := x.exec(qClaim, x.tenant, r.Type, r.ID); err != nil {
		return err
	}
	x.claim(r)
	return nil
}

// Prefetch implements store.Prefetcher: it claims the records of refs
// it can (as PendingFor would), then reads in one round trip what
// PendingFor, Snapshot and RunsOf would answer about them. A record
// another transaction holds has no pending events for this one.
func (x *tx) Prefetch(refs []store.Ref) error {
	var fresh []store.Ref
	for _, r := range refs {
		if x.ahead[r] == nil && !slices.Contains(fresh, r) {
			fresh = append(fresh, r)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	if x.ahead == nil {
		x.ahead = make(map[store.Ref]*ahead)
	}
	held, err := x.tryClaim(fresh)
	if err != nil {
		return err
	}
	byRef := make(map[store.Ref]*ahead, len(fresh))
	for _, r := range fresh {
		a := &ahead{pendingOK: true} // none, unless held
		x.ahead[r], byRef[r] = a, a
	}
	if len(held) == 0 {
		return nil
	}
	for _, r := range held {
		byRef[r].pendingOK = false // until read
	}
	types, ids := refColumns(held)
	b := &pgx.Batch{}
	b.Queue(qPendingOfMany, x.tenant, types, ids, prefetchPending).Query(each(scanEvent, func(e *store.Event) {
		a := byRef[e.Record]
		a.pending = append(a.pending, e)
	}, func() {
		for _, r := range held {
			a := byRef[r]
			a.pendingOK, a.pendingFull = true, len(a.pending) == prefetchPending
		}
	}))
	b.Queue(qSnapshotsOf, x.tenant, types, ids).Query(each(scanSnapshot, func(s *store.Snapshot) {
		byRef[s.Ref].snap = s
	}, func() {
		for _, r := range held {
			byRef[r].snapOK = true
		}
	}))
	b.Queue(qRunsOfMany, x.tenant, types, ids).Query(each(scanRun, func(run *store.Run) {
		a := byRef[run.Record]
		a.runs = append(a.runs, run)
	}, func() {
		for _, r := range held {
			byRef[r].runsOK = true
		}
	}))
	for _, r := range held {
		byRef[r].once, byRef[r].actions = make(map[string]bool), make(map[string]bool)
	}
	b.Queue(qOnceOf, x.tenant, types, ids).Query(each(scanOnceKey, func(k refKey) {
		byRef[k.ref].once[k.key] = true
	}, func() {}))
	b.Queue(qActionsOf, x.tenant, types, ids).Query(each(scanKey, func(k refKey) {
		byRef[k.ref].actions[k.key] = true
	}, func() {}))
	return x.send(b)
}

// each returns a batch query's handler: every row scanned goes to f,
// then done runs.
func each[T any](scan func(pgx.Rows) (T, error), f func(T), done func()) func(pgx.Rows) error {
	return func(rows pgx.Rows) error {
		vs, err := collect(rows, nil, scan)
		if err != nil {
			return err
		}
		for _, v := range vs {
			f(v)
		}
		done()
		return nil
	}
}

// refKey is a key of a record's rows (a once-claim, an action id).
type refKey struct {
	ref store.Ref
	key string
}

func scanKey(rows pgx.Rows) (refKey, error) {
	var k refKey
	return k, rows.Scan(&k.ref.Type, &k.ref.ID, &k.key)
}

// scanOnceKey reads a once-claim as the key claimOnce looks for.
func scanOnceKey(rows pgx.Rows) (refKey, error) {
	var k refKey
	var rule, key string
	err := rows.Scan(&k.ref.Type, &k.ref.ID, &rule, &key)
	k.key = onceKey(rule, key)
	return k, err
}

func onceKey(rule, key string) string { return rule + "\x00" + key }

// claimOnce answers ClaimOnce from the read-ahead, if it can, and
// records the claim.
func (x *tx) claimOnce(rule string, r store.Ref, key string) (first, ok bool) {
	a := x.ahead[r]
	if a == nil || a.once == nil {
		return false, false
	}
	k := onceKey(rule, key)
	if a.once[k] {
		return false, true
	}
	a.once[k] = true
	return true, true
}

// newAction reports, from the read-ahead if it can, whether the record
// has no action called id yet, and records it.
func (x *tx) newAction(r store.Ref, id string) (fresh, ok bool) {
	a := x.ahead[r]
	if a == nil || a.actions == nil {
		return false, false
	}
	if a.actions[id] {
		return false, true
	}
	a.actions[id] = true
	return true, true
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
