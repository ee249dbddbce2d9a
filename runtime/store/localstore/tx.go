package localstore

// This file defines the write transaction (store.Tx) and its statements.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

// The statements of write transactions. Each is prepared once, when the
// store opens (writeQueries lists them all).
const (
	qAddEvent = `INSERT INTO events (tenant, id, type, at, record_type, record_id, data, depth, cause)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, id) DO NOTHING`
	eventCols  = `seq, id, type, at, record_type, record_id, data, depth, cause`
	qPending   = `SELECT ` + eventCols + ` FROM events WHERE tenant = ? AND done = 0 AND seq > ? ORDER BY seq LIMIT ?`
	qPendingOf = `SELECT ` + eventCols + ` FROM events
		WHERE tenant = ? AND record_type = ? AND record_id = ? AND done = 0 ORDER BY seq LIMIT ?`
	qDone = `UPDATE events SET done = 1, data = NULL WHERE tenant = ? AND id = ?` // the snapshot keeps the data

	snapshotCols = `record_type, record_id, data, at, event`
	qSnapshot    = `SELECT ` + snapshotCols + ` FROM snapshots WHERE tenant = ? AND record_type = ? AND record_id = ?`
	qPutSnapshot = `INSERT INTO snapshots (tenant, record_type, record_id, data, at, event) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, record_type, record_id) DO UPDATE SET data = excluded.data, at = excluded.at, event = excluded.event`
	qSnapshots = `SELECT ` + snapshotCols + ` FROM snapshots
		WHERE tenant = ? AND record_type = ? AND record_id > ? ORDER BY record_id LIMIT ?`

	qClaimOnce = `INSERT INTO once (tenant, rule, record_type, record_id, key) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

	runCols = `id, rule, version, record_type, record_id, event, trigger, depth, next, lets, state, due, action, started`
	qPutRun = `INSERT INTO runs (tenant, ` + runCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, id) DO UPDATE SET rule = excluded.rule, version = excluded.version,
		record_type = excluded.record_type, record_id = excluded.record_id, event = excluded.event,
		trigger = excluded.trigger, depth = excluded.depth, next = excluded.next, lets = excluded.lets,
		state = excluded.state, due = excluded.due, action = excluded.action, started = excluded.started`
	qRun       = `SELECT ` + runCols + ` FROM runs WHERE tenant = ? AND id = ?`
	qDeleteRun = `DELETE FROM runs WHERE tenant = ? AND id = ?`
	qRunsOf    = `SELECT ` + runCols + ` FROM runs WHERE tenant = ? AND record_type = ? AND record_id = ? ORDER BY pos`
	qDueRuns   = `SELECT ` + runCols + ` FROM runs WHERE tenant = ? AND due IS NOT NULL AND due <= ? ORDER BY due, id LIMIT ?`
	qNextDue   = `SELECT min(due) FROM runs WHERE tenant = ? AND due IS NOT NULL`

	qNextSeq = `INSERT INTO seqs (tenant, name, value) VALUES (?, ?, 1)
		ON CONFLICT (tenant, name) DO UPDATE SET value = value + 1 RETURNING value`

	actionCols = `id, run, rule, event, trigger, record_type, record_id, name, args, state, attempt, next_at, error, result, created, updated`
	qEnqueue   = `INSERT INTO actions (tenant, ` + actionCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, id) DO NOTHING`
	qAction       = `SELECT ` + actionCols + ` FROM actions WHERE tenant = ? AND id = ?`
	qUpdateAction = `UPDATE actions SET run = ?, rule = ?, event = ?, trigger = ?, record_type = ?, record_id = ?,
		name = ?, args = ?, state = ?, attempt = ?, next_at = ?, error = ?, result = ?, created = ?, updated = ?
		WHERE tenant = ? AND id = ?`
	qActions    = `SELECT ` + actionCols + ` FROM actions WHERE tenant = ? AND state = ? ORDER BY next_at, id LIMIT ?`
	qDueActions = `SELECT ` + actionCols + ` FROM actions
		WHERE tenant = ? AND state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?`

	logCols = `at, kind, rule, event, trigger, record_type, record_id, action, action_id,
		args, result, state, attempt, error, duration, clauses, message`
	qAppend = `INSERT INTO log (tenant, ` + logCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

var writeQueries = []string{
	qAddEvent, qPending, qPendingOf, qDone,
	qSnapshot, qPutSnapshot, qSnapshots,
	qClaimOnce,
	qPutRun, qRun, qDeleteRun, qRunsOf, qDueRuns, qNextDue,
	qNextSeq,
	qEnqueue, qAction, qUpdateAction, qActions, qDueActions,
	qAppend,
}

// tx is a store.Tx: one SQLite write transaction of one tenant.
type tx struct {
	s   *Store
	ctx context.Context // not canceled: a begun transaction runs to its end
	tx  *sql.Tx
	// bound holds the prepared statements bound to tx (shared by the
	// tx values of one group of Accepts).
	bound  map[string]*sql.Stmt
	tenant string
}

func (x *tx) stmt(q string) *sql.Stmt {
	if st := x.bound[q]; st != nil {
		return st
	}
	st := x.s.stmts[q]
	if st == nil {
		panic("localstore: statement not prepared: " + q)
	}
	st = x.tx.StmtContext(x.ctx, st)
	x.bound[q] = st
	return st
}

func (x *tx) exec(q string, args ...any) (sql.Result, error) {
	return x.stmt(q).ExecContext(x.ctx, args...)
}

func (x *tx) query(q string, args ...any) (*sql.Rows, error) {
	return x.stmt(q).QueryContext(x.ctx, args...)
}

func (x *tx) queryRow(q string, args ...any) *sql.Row {
	return x.stmt(q).QueryRowContext(x.ctx, args...)
}

func (x *tx) Tenant() string { return x.tenant }

// Times are UTC microseconds since 1970; JSON is TEXT as given.

// micros is t as stored.
func micros(t time.Time) int64 { return t.UnixMicro() }

var zeroMicros = time.Time{}.UnixMicro()

// timeOf is the time stored as n: in UTC, the zero time for the zero
// time.
func timeOf(n int64) time.Time {
	if n == zeroMicros {
		return time.Time{}
	}
	return time.UnixMicro(n).UTC()
}

// text is a JSON value as stored: TEXT, or NULL for none.
func text(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	return string(raw)
}

// raw is a stored JSON value (nil for NULL).
func raw(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	return json.RawMessage(b)
}

// scanAll reads every row of rows with scan.
func scanAll[T any](rows *sql.Rows, err error, scan func(*sql.Rows) (T, error)) ([]T, error) {
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

// The inbox.

func (x *tx) AddEvent(e *store.Event) (bool, error) {
	res, err := x.exec(qAddEvent, x.tenant, e.ID, e.Type, micros(e.At), e.Record.Type, e.Record.ID,
		text(e.Data), e.Depth, e.Cause)
	if err != nil {
		return false, fmt.Errorf("localstore: adding event %q: %w", e.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	seq, err := res.LastInsertId()
	e.Seq = seq
	return true, err
}

func scanEvent(rows *sql.Rows) (*store.Event, error) {
	e := new(store.Event)
	var at int64
	var data []byte
	err := rows.Scan(&e.Seq, &e.ID, &e.Type, &at, &e.Record.Type, &e.Record.ID, &data, &e.Depth, &e.Cause)
	e.At, e.Data = timeOf(at), raw(data)
	return e, err
}

func (x *tx) Pending(after int64, limit int) ([]*store.Event, error) {
	rows, err := x.query(qPending, x.tenant, after, limit)
	return scanAll(rows, err, scanEvent)
}

func (x *tx) PendingFor(r store.Ref, limit int) ([]*store.Event, error) {
	rows, err := x.query(qPendingOf, x.tenant, r.Type, r.ID, limit)
	return scanAll(rows, err, scanEvent)
}

func (x *tx) Done(id string) error {
	res, err := x.exec(qDone, x.tenant, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("event %q: %w", id, store.ErrNotFound)
	}
	return nil
}

// Snapshots.

func scanSnapshot(rows *sql.Rows) (*store.Snapshot, error) {
	s := new(store.Snapshot)
	var at int64
	var data []byte
	err := rows.Scan(&s.Ref.Type, &s.Ref.ID, &data, &at, &s.Event)
	s.At, s.Data = timeOf(at), raw(data)
	return s, err
}

// Claim implements store.Tx: SQLite has one writer at a time.
func (x *tx) Claim(store.Ref) error { return nil }

func (x *tx) Snapshot(r store.Ref) (*store.Snapshot, error) {
	rows, err := x.query(qSnapshot, x.tenant, r.Type, r.ID)
	snaps, err := scanAll(rows, err, scanSnapshot)
	if len(snaps) == 0 {
		return nil, err
	}
	return snaps[0], err
}

func (x *tx) PutSnapshot(s *store.Snapshot) error {
	_, err := x.exec(qPutSnapshot, x.tenant, s.Ref.Type, s.Ref.ID, text(s.Data), micros(s.At), s.Event)
	return err
}

func (x *tx) Snapshots(typ, after string, limit int) ([]*store.Snapshot, error) {
	rows, err := x.query(qSnapshots, x.tenant, typ, after, limit)
	return scanAll(rows, err, scanSnapshot)
}

// The once-ledger.

func (x *tx) ClaimOnce(rule string, r store.Ref, key string) (bool, error) {
	res, err := x.exec(qClaimOnce, x.tenant, rule, r.Type, r.ID, key)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Runs.

func scanRun(rows *sql.Rows) (*store.Run, error) {
	r := new(store.Run)
	var lets []byte
	var due sql.NullInt64
	var started int64
	err := rows.Scan(&r.ID, &r.Rule, &r.Version, &r.Record.Type, &r.Record.ID, &r.Event, &r.Trigger,
		&r.Depth, &r.Next, &lets, &r.State, &due, &r.Action, &started)
	r.Lets, r.Started = raw(lets), timeOf(started)
	if due.Valid {
		r.Due = timeOf(due.Int64)
	}
	return r, err
}

func (x *tx) PutRun(r *store.Run) error {
	var due any
	if !r.Due.IsZero() {
		due = micros(r.Due)
	}
	_, err := x.exec(qPutRun, x.tenant, r.ID, r.Rule, r.Version, r.Record.Type, r.Record.ID, r.Event, r.Trigger,
		r.Depth, r.Next, text(r.Lets), string(r.State), due, r.Action, micros(r.Started))
	return err
}

func (x *tx) Run(id string) (*store.Run, error) {
	rows, err := x.query(qRun, x.tenant, id)
	runs, err := scanAll(rows, err, scanRun)
	if err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("run %q: %w", id, store.ErrNotFound)
	}
	return runs[0], nil
}

func (x *tx) DeleteRun(id string) error {
	_, err := x.exec(qDeleteRun, x.tenant, id)
	return err
}

func (x *tx) RunsOf(r store.Ref) ([]*store.Run, error) {
	rows, err := x.query(qRunsOf, x.tenant, r.Type, r.ID)
	return scanAll(rows, err, scanRun)
}

func (x *tx) DueRuns(now time.Time, limit int) ([]*store.Run, error) {
	rows, err := x.query(qDueRuns, x.tenant, micros(now), limit)
	return scanAll(rows, err, scanRun)
}

func (x *tx) NextDue() (time.Time, error) {
	var due sql.NullInt64
	if err := x.queryRow(qNextDue, x.tenant).Scan(&due); err != nil || !due.Valid {
		return time.Time{}, err
	}
	return timeOf(due.Int64), nil
}

// Sequences.

func (x *tx) NextSeq(name string) (int64, error) {
	var n int64
	err := x.queryRow(qNextSeq, x.tenant, name).Scan(&n)
	return n, err
}

// Actions.

func scanAction(rows *sql.Rows) (*store.Action, error) {
	a := new(store.Action)
	var args, result []byte
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
	res, err := x.exec(qEnqueue, x.tenant, a.ID, a.Run, a.Rule, a.Event, a.Trigger, a.Record.Type, a.Record.ID,
		a.Name, text(a.Args), string(state), a.Attempt, micros(a.NextAt), a.Error, text(a.Result),
		micros(a.Created), micros(a.Updated))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("action %q: %w", a.ID, store.ErrDuplicate)
	}
	return nil
}

func (x *tx) Action(id string) (*store.Action, error) {
	rows, err := x.query(qAction, x.tenant, id)
	as, err := scanAll(rows, err, scanAction)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, fmt.Errorf("action %q: %w", id, store.ErrNotFound)
	}
	return as[0], nil
}

func (x *tx) UpdateAction(a *store.Action) error {
	res, err := x.exec(qUpdateAction, a.Run, a.Rule, a.Event, a.Trigger, a.Record.Type, a.Record.ID,
		a.Name, text(a.Args), string(a.State), a.Attempt, micros(a.NextAt), a.Error, text(a.Result),
		micros(a.Created), micros(a.Updated), x.tenant, a.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("action %q: %w", a.ID, store.ErrNotFound)
	}
	return nil
}

func (x *tx) Actions(state store.ActionState, limit int) ([]*store.Action, error) {
	rows, err := x.query(qActions, x.tenant, string(state), limit)
	return scanAll(rows, err, scanAction)
}

func (x *tx) DueActions(now time.Time, limit int) ([]*store.Action, error) {
	rows, err := x.query(qDueActions, x.tenant, micros(now), limit)
	return scanAll(rows, err, scanAction)
}

// The event log.

func (x *tx) Append(entries ...*store.LogEntry) error {
	for _, e := range entries {
		var clauses any
		if len(e.Clauses) > 0 {
			b, err := json.Marshal(e.Clauses)
			if err != nil {
				return fmt.Errorf("localstore: log entry clauses: %w", err)
			}
			clauses = string(b)
		}
		res, err := x.exec(qAppend, x.tenant, micros(e.At), string(e.Kind), e.Rule, e.Event, e.Trigger,
			e.Record.Type, e.Record.ID, e.Action, e.ActionID, text(e.Args), text(e.Result), string(e.State),
			e.Attempt, e.Error, int64(e.Duration), clauses, e.Message)
		if err != nil {
			return err
		}
		if e.ID, err = res.LastInsertId(); err != nil {
			return err
		}
	}
	return nil
}

var _ store.Tx = (*tx)(nil)
