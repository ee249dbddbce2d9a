package pgstore

// This file defines the transaction (store.Tx) and its statements.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/automat-rules/automat/runtime/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	qAddEvent = `INSERT INTO events (tenant, id, type, at, record_type, record_id, data, depth, cause)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (tenant, id) DO NOTHING RETURNING seq`
	eventCols = `seq, id, type, at, record_type, record_id, data, depth, cause`
	// Pending locks nothing: the transaction that processes an event
	// claims its record (PendingFor), and a dispatcher that reads an
	// event another daemon is processing finds its record claimed.
	qPending = `SELECT ` + eventCols + ` FROM events WHERE tenant = $1 AND NOT done AND seq > $2 ORDER BY tenant, seq LIMIT $3`
	// A record's pending events are read once its claim is held (see
	// prefetch.go).
	qPendingOf = `SELECT ` + eventCols + ` FROM events
		WHERE tenant = $1 AND record_type = $2 AND record_id = $3 AND NOT done ORDER BY seq LIMIT $4`
	qDone = `UPDATE events SET done = true, data = NULL WHERE tenant = $1 AND id = $2` // the snapshot keeps the data

	snapshotCols = `record_type, record_id, data, at, event`
	qSnapshot    = `SELECT ` + snapshotCols + ` FROM snapshots WHERE tenant = $1 AND record_type = $2 AND record_id = $3`
	qSnapshots   = `SELECT ` + snapshotCols + ` FROM snapshots
		WHERE tenant = $1 AND record_type = $2 AND record_id > $3 ORDER BY record_id LIMIT $4`

	qClaimOnce = `INSERT INTO once (tenant, rule, record_type, record_id, key) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`

	runCols = `id, rule, version, record_type, record_id, event, trigger, depth, next, lets, state, due, action, started`
	// A run is read to be continued or stopped, so it is locked: a
	// transaction asking for one run waits for it; one asking for a
	// record's runs (after an event, or at a tick) skips those another
	// transaction holds, which decides about them on the record's state
	// as it reads it once it holds the record's claim.
	runLock  = `FOR UPDATE SKIP LOCKED`
	qRun     = `SELECT ` + runCols + ` FROM runs WHERE tenant = $1 AND id = $2 FOR UPDATE`
	qRunsOf  = `SELECT ` + runCols + ` FROM runs WHERE tenant = $1 AND record_type = $2 AND record_id = $3 ORDER BY pos ` + runLock
	qDueRuns = `SELECT ` + runCols + ` FROM runs WHERE tenant = $1 AND due IS NOT NULL AND due <= $2 ORDER BY due, id LIMIT $3 FOR UPDATE SKIP LOCKED`
	qNextDue = `SELECT min(due) FROM runs WHERE tenant = $1 AND due IS NOT NULL`

	qNextSeq = `INSERT INTO seqs (tenant, name, value) VALUES ($1, $2, 1)
		ON CONFLICT (tenant, name) DO UPDATE SET value = seqs.value + 1 RETURNING value`

	actionCols = `id, run, rule, event, trigger, record_type, record_id, name, args, state, attempt, next_at, error, result, created, updated`
	qEnqueue   = `INSERT INTO actions (tenant, ` + actionCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		ON CONFLICT (tenant, id) DO NOTHING`
	// An action is read to be changed (its outcome, a retry): locked.
	qAction       = `SELECT ` + actionCols + ` FROM actions WHERE tenant = $1 AND id = $2 FOR UPDATE`
	qUpdateAction = `UPDATE actions SET run = $1, rule = $2, event = $3, trigger = $4, record_type = $5, record_id = $6,
		name = $7, args = $8, state = $9, attempt = $10, next_at = $11, error = $12, result = $13, created = $14, updated = $15
		WHERE tenant = $16 AND id = $17`
	qActions    = `SELECT ` + actionCols + ` FROM actions WHERE tenant = $1 AND state = $2 ORDER BY next_at, id LIMIT $3`
	qDueActions = `SELECT ` + actionCols + ` FROM actions
		WHERE tenant = $1 AND state = 'pending' AND next_at <= $2 ORDER BY next_at, id LIMIT $3 FOR UPDATE SKIP LOCKED`

	logCols = `at, kind, rule, event, trigger, record_type, record_id, action, action_id,
		args, result, state, attempt, error, duration, clauses, message`
)

// tx is a store.Tx: one READ COMMITTED transaction of one tenant, made
// safe by record claims and row locks (see prefetch.go and the package
// comment).
type tx struct {
	ctx     context.Context
	tx      pgx.Tx
	tenant  string
	claimed map[store.Ref]bool // records this transaction holds
	locked  map[string]bool    // actions read FOR UPDATE
	w       writes             // see writes.go
	ahead   map[store.Ref]*ahead
}

// flush sends the writes not sent yet; an error of any of them fails
// the transaction as an immediate write would have.
func (x *tx) flush() error {
	return x.send(nil)
}

// send sends the writes not sent yet, then the statements of b (which
// may be nil), in one round trip.
func (x *tx) send(b *pgx.Batch) error {
	if x.w.empty() && b == nil {
		return nil
	}
	all := &pgx.Batch{}
	x.w.queue(all, x.tenant)
	if b != nil {
		all.QueuedQueries = append(all.QueuedQueries, b.QueuedQueries...)
	}
	if all.Len() == 0 {
		return nil
	}
	return x.tx.SendBatch(x.ctx, all).Close()
}

func (x *tx) exec(sql string, args ...any) (pgconn.CommandTag, error) {
	if err := x.flush(); err != nil {
		return pgconn.CommandTag{}, err
	}
	return x.tx.Exec(x.ctx, sql, args...)
}

func (x *tx) queryRow(sql string, args ...any) pgx.Row {
	if err := x.flush(); err != nil {
		return errRow{err}
	}
	return x.tx.QueryRow(x.ctx, sql, args...)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (x *tx) Tenant() string { return x.tenant }

// micros and timeOf convert times to the stored form: UTC microseconds.
func micros(t time.Time) int64 { return t.UnixMicro() }

func timeOf(n int64) time.Time { return time.UnixMicro(n).UTC() }

// text and raw convert JSON values to and from nullable TEXT.
func text(b json.RawMessage) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

func raw(s *string) json.RawMessage {
	if s == nil {
		return nil
	}
	return json.RawMessage(*s)
}

// collect scans every row with scan.
func collect[T any](rows pgx.Rows, err error, scan func(pgx.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (x *tx) query(q string, args ...any) (pgx.Rows, error) {
	if err := x.flush(); err != nil {
		return nil, err
	}
	return x.tx.Query(x.ctx, q, args...)
}

// The inbox.

func (x *tx) AddEvent(e *store.Event) (bool, error) {
	var seq int64
	err := x.queryRow(qAddEvent, x.tenant, e.ID, e.Type, micros(e.At), e.Record.Type, e.Record.ID,
		text(e.Data), e.Depth, e.Cause).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("pgstore: adding event %q: %w", e.ID, err)
	}
	e.Seq = seq
	x.addedEvent(e.Record)
	return true, nil
}

func scanEvent(rows pgx.Rows) (*store.Event, error) {
	e := new(store.Event)
	var at int64
	var data *string
	err := rows.Scan(&e.Seq, &e.ID, &e.Type, &at, &e.Record.Type, &e.Record.ID, &data, &e.Depth, &e.Cause)
	e.At, e.Data = timeOf(at), raw(data)
	return e, err
}

func (x *tx) Pending(after int64, limit int) ([]*store.Event, error) {
	// Sorting is switched off for the read, in the same round trip: the
	// pending events are read in the order of their index. The planner
	// otherwise sorts the whole backlog when its statistics still count
	// the few rows the table had before a burst (75 ms for 256 of
	// 51,000 pending events; TestPendingPlan).
	var evs []*store.Event
	b := &pgx.Batch{}
	b.Queue(`SET LOCAL enable_sort = off`)
	b.Queue(qPending, x.tenant, after, limit).Query(each(scanEvent, func(e *store.Event) { evs = append(evs, e) }, func() {}))
	b.Queue(`SET LOCAL enable_sort TO DEFAULT`)
	if err := x.send(b); err != nil {
		return nil, err
	}
	return evs, nil
}

func (x *tx) PendingFor(r store.Ref, limit int) ([]*store.Event, error) {
	if evs, ok := x.pendingFor(r, limit); ok {
		return evs, nil
	}
	held, err := x.tryClaim([]store.Ref{r})
	if err != nil || len(held) == 0 {
		return nil, err
	}
	rows, err := x.query(qPendingOf, x.tenant, r.Type, r.ID, limit)
	return collect(rows, err, scanEvent)
}

func (x *tx) Done(id string) error {
	if x.pendingKnown(id) {
		// The event is there: no row count to wait for.
		x.w.done = append(x.w.done, id)
		return nil
	}
	tag, err := x.exec(qDone, x.tenant, id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("event %q: %w", id, store.ErrNotFound)
	}
	return nil
}

// Snapshots.

func scanSnapshot(rows pgx.Rows) (*store.Snapshot, error) {
	s := new(store.Snapshot)
	var at int64
	var data *string
	err := rows.Scan(&s.Ref.Type, &s.Ref.ID, &data, &at, &s.Event)
	s.At, s.Data = timeOf(at), raw(data)
	return s, err
}

func (x *tx) Snapshot(r store.Ref) (*store.Snapshot, error) {
	if s, ok := x.snapshot(r); ok {
		return s, nil
	}
	rows, err := x.query(qSnapshot, x.tenant, r.Type, r.ID)
	snaps, err := collect(rows, err, scanSnapshot)
	if len(snaps) == 0 {
		return nil, err
	}
	return snaps[0], err
}

func (x *tx) PutSnapshot(s *store.Snapshot) error {
	x.putSnapshot(s)
	x.w.putSnapshot(s)
	return nil
}

func (x *tx) Snapshots(typ, after string, limit int) ([]*store.Snapshot, error) {
	rows, err := x.query(qSnapshots, x.tenant, typ, after, limit)
	return collect(rows, err, scanSnapshot)
}

// The once-ledger.

// ClaimOnce claims the record first: a record's once-claims are written
// only by the transaction holding it, so a transaction that read them
// ahead knows the answer without asking.
func (x *tx) ClaimOnce(rule string, r store.Ref, key string) (bool, error) {
	if first, ok := x.claimOnce(rule, r, key); ok {
		if first {
			x.w.once = append(x.w.once, onceRow{rule, r, key})
		}
		return first, nil
	}
	if err := x.waitClaim(r); err != nil {
		return false, err
	}
	tag, err := x.exec(qClaimOnce, x.tenant, rule, r.Type, r.ID, key)
	return err == nil && tag.RowsAffected() == 1, err
}

// Runs.

func scanRun(rows pgx.Rows) (*store.Run, error) {
	r := new(store.Run)
	var lets *string
	var due *int64
	var started int64
	err := rows.Scan(&r.ID, &r.Rule, &r.Version, &r.Record.Type, &r.Record.ID, &r.Event, &r.Trigger,
		&r.Depth, &r.Next, &lets, &r.State, &due, &r.Action, &started)
	r.Lets, r.Started = raw(lets), timeOf(started)
	if due != nil {
		r.Due = timeOf(*due)
	}
	return r, err
}

func (x *tx) PutRun(r *store.Run) error {
	x.changedRun(r.Record)
	x.w.putRun(r.ID, r)
	return nil
}

func (x *tx) Run(id string) (*store.Run, error) {
	rows, err := x.query(qRun, x.tenant, id)
	runs, err := collect(rows, err, scanRun)
	if err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("run %q: %w", id, store.ErrNotFound)
	}
	return runs[0], nil
}

func (x *tx) DeleteRun(id string) error {
	x.deletedRun(id)
	x.w.putRun(id, nil)
	return nil
}

func (x *tx) RunsOf(r store.Ref) ([]*store.Run, error) {
	if runs, ok := x.runsOf(r); ok {
		return runs, nil
	}
	rows, err := x.query(qRunsOf, x.tenant, r.Type, r.ID)
	return collect(rows, err, scanRun)
}

func (x *tx) DueRuns(now time.Time, limit int) ([]*store.Run, error) {
	rows, err := x.query(qDueRuns, x.tenant, micros(now), limit)
	return collect(rows, err, scanRun)
}

func (x *tx) NextDue() (time.Time, error) {
	var due *int64
	if err := x.queryRow(qNextDue, x.tenant).Scan(&due); err != nil || due == nil {
		return time.Time{}, err
	}
	return timeOf(*due), nil
}

// Sequences.

func (x *tx) NextSeq(name string) (int64, error) {
	var n int64
	err := x.queryRow(qNextSeq, x.tenant, name).Scan(&n)
	return n, err
}

// Actions.

func scanAction(rows pgx.Rows) (*store.Action, error) {
	a := new(store.Action)
	var args, result *string
	var next, created, updated int64
	err := rows.Scan(&a.ID, &a.Run, &a.Rule, &a.Event, &a.Trigger, &a.Record.Type, &a.Record.ID, &a.Name,
		&args, &a.State, &a.Attempt, &next, &a.Error, &result, &created, &updated)
	a.Args, a.Result = raw(args), raw(result)
	a.NextAt, a.Created, a.Updated = timeOf(next), timeOf(created), timeOf(updated)
	return a, err
}

func (x *tx) Enqueue(a *store.Action) error {
	state := a.State
	if state == "" {
		state = store.Pending
	}
	if fresh, ok := x.newAction(a.Record, a.ID); ok {
		if !fresh {
			return fmt.Errorf("action %q: %w", a.ID, store.ErrDuplicate)
		}
		c := *a
		c.State = state
		x.w.actions = append(x.w.actions, &c)
		return nil
	}
	if err := x.waitClaim(a.Record); err != nil {
		return err
	}
	tag, err := x.exec(qEnqueue, x.tenant, a.ID, a.Run, a.Rule, a.Event, a.Trigger, a.Record.Type, a.Record.ID,
		a.Name, text(a.Args), string(state), a.Attempt, micros(a.NextAt), a.Error, text(a.Result),
		micros(a.Created), micros(a.Updated))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("action %q: %w", a.ID, store.ErrDuplicate)
	}
	return nil
}

func (x *tx) Action(id string) (*store.Action, error) {
	rows, err := x.query(qAction, x.tenant, id)
	as, err := x.lockedActions(collect(rows, err, scanAction))
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, fmt.Errorf("action %q: %w", id, store.ErrNotFound)
	}
	return as[0], nil
}

// lockedActions notes actions read FOR UPDATE: they exist until the
// transaction ends, so their updates need not wait for a row count.
func (x *tx) lockedActions(as []*store.Action, err error) ([]*store.Action, error) {
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		if x.locked == nil {
			x.locked = make(map[string]bool)
		}
		x.locked[a.ID] = true
	}
	return as, nil
}

func (x *tx) UpdateAction(a *store.Action) error {
	if x.locked[a.ID] {
		x.w.updateAction(a)
		return nil
	}
	tag, err := x.exec(qUpdateAction, a.Run, a.Rule, a.Event, a.Trigger, a.Record.Type, a.Record.ID,
		a.Name, text(a.Args), string(a.State), a.Attempt, micros(a.NextAt), a.Error, text(a.Result),
		micros(a.Created), micros(a.Updated), x.tenant, a.ID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("action %q: %w", a.ID, store.ErrNotFound)
	}
	return nil
}

func (x *tx) Actions(state store.ActionState, limit int) ([]*store.Action, error) {
	rows, err := x.query(qActions, x.tenant, string(state), limit)
	return collect(rows, err, scanAction)
}

func (x *tx) DueActions(now time.Time, limit int) ([]*store.Action, error) {
	rows, err := x.query(qDueActions, x.tenant, micros(now), limit)
	return x.lockedActions(collect(rows, err, scanAction))
}

// The event log.

// Append queues the entries; their IDs are set when they are sent (before
// the next read, or the commit).
func (x *tx) Append(entries ...*store.LogEntry) error {
	return x.w.appendLog(entries)
}

var _ store.Tx = (*tx)(nil)
