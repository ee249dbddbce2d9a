package pgstore

// This file defines the write-behind of a transaction: the writes whose
// outcome the caller does not read (snapshots, runs, log entries, Done of
// an event the read-ahead holds) are kept until the next read or the
// commit, and then sent as at most five set-based statements (arrays
// unnested server-side) in one round trip. On the load benchmark an event
// was otherwise about ten statements, and the server's cost per statement
// (parse, plan, executor start) was most of PostgreSQL's CPU time.

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/automat-rules/automat/runtime/store"
	"github.com/jackc/pgx/v5"
)

const (
	// unnest ... WITH ORDINALITY ... ORDER BY ord: rows are inserted in
	// the order they were written, so identity columns (runs.pos, log.id)
	// grow in that order.
	qPutSnapshots = `INSERT INTO snapshots (tenant, record_type, record_id, data, at, event)
		SELECT $1, t, i, d, a, e FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[]) AS u(t, i, d, a, e)
		ON CONFLICT (tenant, record_type, record_id) DO UPDATE SET data = excluded.data, at = excluded.at, event = excluded.event`
	qPutRuns = `INSERT INTO runs (tenant, ` + runCols + `)
		SELECT $1, id, rule, version, rt, ri, event, trigger, depth, next, lets, state, due, action, started
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::int[],
			$11::text[], $12::text[], $13::bigint[], $14::text[], $15::bigint[])
			WITH ORDINALITY AS u(id, rule, version, rt, ri, event, trigger, depth, next, lets, state, due, action, started, ord)
		ORDER BY ord
		ON CONFLICT (tenant, id) DO UPDATE SET rule = excluded.rule, version = excluded.version,
		record_type = excluded.record_type, record_id = excluded.record_id, event = excluded.event,
		trigger = excluded.trigger, depth = excluded.depth, next = excluded.next, lets = excluded.lets,
		state = excluded.state, due = excluded.due, action = excluded.action, started = excluded.started`
	qClaimOnceMany = `INSERT INTO once (tenant, rule, record_type, record_id, key)
		SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING`
	qEnqueueMany = `INSERT INTO actions (tenant, ` + actionCols + `)
		SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
			$10::text[], $11::text[], $12::int[], $13::bigint[], $14::text[], $15::text[], $16::bigint[], $17::bigint[])
		ON CONFLICT (tenant, id) DO NOTHING RETURNING id`
	qUpdateActions = `UPDATE actions AS a SET run = u.run, rule = u.rule, event = u.event, trigger = u.trigger,
		record_type = u.rt, record_id = u.ri, name = u.name, args = u.args, state = u.state, attempt = u.attempt,
		next_at = u.next_at, error = u.error, result = u.result, created = u.created, updated = u.updated
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
			$10::text[], $11::text[], $12::int[], $13::bigint[], $14::text[], $15::text[], $16::bigint[], $17::bigint[])
			AS u(id, run, rule, event, trigger, rt, ri, name, args, state, attempt, next_at, error, result, created, updated)
		WHERE a.tenant = $1 AND a.id = u.id`
	qDeleteRuns = `DELETE FROM runs WHERE tenant = $1 AND id = ANY($2::text[])`
	qDoneMany   = `UPDATE events SET done = true, data = NULL WHERE tenant = $1 AND id = ANY($2::text[])` // the snapshot keeps the data
	qAppendMany = `INSERT INTO log (tenant, ` + logCols + `)
		SELECT $1, at, kind, rule, event, trigger, rt, ri, action, action_id, args, result, state, attempt, error, duration, clauses, message
		FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
			$11::text[], $12::text[], $13::text[], $14::int[], $15::text[], $16::bigint[], $17::text[], $18::text[])
			WITH ORDINALITY AS u(at, kind, rule, event, trigger, rt, ri, action, action_id, args, result, state, attempt, error,
			duration, clauses, message, ord)
		ORDER BY ord
		RETURNING id`
)

// writes are a transaction's writes not sent yet. A later write of the
// same row replaces an earlier one (rows are keyed), so the statements
// can go in any order.
type writes struct {
	snaps    keyed[store.Ref, *store.Snapshot]
	runs     keyed[string, *store.Run] // nil: deleted
	done     []string
	once     []onceRow
	actions  []*store.Action              // to insert
	updates  keyed[string, *store.Action] // to update (they exist: locked)
	logs     []*store.LogEntry
	logsJSON []*string // the clauses of logs, encoded
}

// keyed is rows in the order first written, a later write of a key
// replacing the earlier one.
type keyed[K comparable, V any] struct {
	keys []K
	vals []V
	at   map[K]int // index in keys and vals
}

func (k *keyed[K, V]) put(key K, v V) {
	if i, ok := k.at[key]; ok {
		k.vals[i] = v
		return
	}
	if k.at == nil {
		k.at = make(map[K]int)
	}
	k.at[key] = len(k.keys)
	k.keys, k.vals = append(k.keys, key), append(k.vals, v)
}

func (w *writes) empty() bool {
	return len(w.snaps.keys) == 0 && len(w.runs.keys) == 0 && len(w.done) == 0 && len(w.logs) == 0 &&
		len(w.once) == 0 && len(w.actions) == 0 && len(w.updates.keys) == 0
}

func (w *writes) putSnapshot(s *store.Snapshot) {
	c := *s
	w.snaps.put(s.Ref, &c)
}

// updateAction queues the update of an action known to exist.
func (w *writes) updateAction(a *store.Action) {
	c := *a
	w.updates.put(a.ID, &c)
}

// putRun stores run, or deletes the run called id when run is nil.
func (w *writes) putRun(id string, run *store.Run) {
	if run != nil {
		c := *run
		run = &c
	}
	w.runs.put(id, run)
}

func (w *writes) appendLog(entries []*store.LogEntry) error {
	for _, e := range entries {
		var clauses *string
		if len(e.Clauses) > 0 {
			b, err := json.Marshal(e.Clauses)
			if err != nil {
				return fmt.Errorf("pgstore: log entry clauses: %w", err)
			}
			s := string(b)
			clauses = &s
		}
		w.logs = append(w.logs, e)
		w.logsJSON = append(w.logsJSON, clauses)
	}
	return nil
}

// queue adds the statements of w to b, and empties w.
func (w *writes) queue(b *pgx.Batch, tenant string) {
	if n := len(w.snaps.vals); n > 0 {
		ts, ids, data, ats, evs := make([]string, n), make([]string, n), make([]*string, n), make([]int64, n), make([]string, n)
		for k, s := range w.snaps.vals {
			ts[k], ids[k], data[k], ats[k], evs[k] = s.Ref.Type, s.Ref.ID, text(s.Data), micros(s.At), s.Event
		}
		b.Queue(qPutSnapshots, tenant, ts, ids, data, ats, evs)
	}
	var deleted []string
	var c runColumns
	for k, run := range w.runs.vals {
		if run == nil {
			deleted = append(deleted, w.runs.keys[k])
			continue
		}
		c.add(run)
	}
	if len(deleted) > 0 {
		b.Queue(qDeleteRuns, tenant, deleted)
	}
	if len(c.id) > 0 {
		b.Queue(qPutRuns, tenant, c.id, c.rule, c.version, c.rt, c.ri, c.event, c.trigger, c.depth, c.next,
			c.lets, c.state, c.due, c.action, c.started)
	}
	if len(w.done) > 0 {
		b.Queue(qDoneMany, tenant, w.done)
	}
	if len(w.once) > 0 {
		var rules, ts, ids, keys []string
		for _, o := range w.once {
			rules, ts, ids, keys = append(rules, o.rule), append(ts, o.ref.Type), append(ids, o.ref.ID), append(keys, o.key)
		}
		b.Queue(qClaimOnceMany, tenant, rules, ts, ids, keys)
	}
	if len(w.actions) > 0 {
		var c actionColumns
		for _, a := range w.actions {
			c.add(a)
		}
		sent := w.actions
		b.Queue(qEnqueueMany, tenant, c.id, c.run, c.rule, c.event, c.trigger, c.rt, c.ri, c.name, c.args, c.state,
			c.attempt, c.nextAt, c.err, c.result, c.created, c.updated).Query(func(rows pgx.Rows) error {
			stored, err := collect(rows, nil, func(r pgx.Rows) (string, error) {
				var id string
				return id, r.Scan(&id)
			})
			if err != nil || len(stored) == len(sent) {
				return err
			}
			// An id of another record's action: the read-ahead could
			// not see it.
			for _, a := range sent {
				if !slices.Contains(stored, a.ID) {
					return fmt.Errorf("action %q: %w", a.ID, store.ErrDuplicate)
				}
			}
			return nil
		})
	}
	if len(w.updates.vals) == 1 { // the usual lease or outcome: a plain statement plans faster
		a := w.updates.vals[0]
		b.Queue(qUpdateAction, a.Run, a.Rule, a.Event, a.Trigger, a.Record.Type, a.Record.ID, a.Name, text(a.Args),
			string(a.State), a.Attempt, micros(a.NextAt), a.Error, text(a.Result), micros(a.Created), micros(a.Updated), tenant, a.ID)
	} else if len(w.updates.vals) > 1 {
		var c actionColumns
		for _, a := range w.updates.vals {
			c.add(a)
		}
		b.Queue(qUpdateActions, tenant, c.id, c.run, c.rule, c.event, c.trigger, c.rt, c.ri, c.name, c.args, c.state,
			c.attempt, c.nextAt, c.err, c.result, c.created, c.updated)
	}
	if len(w.logs) > 0 {
		var l logColumns
		for k, e := range w.logs {
			l.add(e, w.logsJSON[k])
		}
		logs := w.logs
		b.Queue(qAppendMany, tenant, l.at, l.kind, l.rule, l.event, l.trigger, l.rt, l.ri, l.action, l.actionID,
			l.args, l.result, l.state, l.attempt, l.err, l.duration, l.clauses, l.message).Query(func(rows pgx.Rows) error {
			ids, err := collect(rows, nil, func(r pgx.Rows) (int64, error) {
				var id int64
				return id, r.Scan(&id)
			})
			if err != nil {
				return err
			}
			if len(ids) != len(logs) {
				return fmt.Errorf("pgstore: %d log entries stored of %d", len(ids), len(logs))
			}
			// Ids grow in insertion order, which is append order.
			slices.Sort(ids)
			for k, e := range logs {
				e.ID = ids[k]
			}
			return nil
		})
	}
	*w = writes{}
}

// runColumns are runs as the columns of qPutRuns.
type runColumns struct {
	id, rule, version, rt, ri, event, trigger []string
	depth, next                               []int32
	lets                                      []*string
	state                                     []string
	due                                       []*int64
	action                                    []string
	started                                   []int64
}

func (c *runColumns) add(r *store.Run) {
	var due *int64
	if !r.Due.IsZero() {
		d := micros(r.Due)
		due = &d
	}
	c.id, c.rule, c.version = append(c.id, r.ID), append(c.rule, r.Rule), append(c.version, r.Version)
	c.rt, c.ri = append(c.rt, r.Record.Type), append(c.ri, r.Record.ID)
	c.event, c.trigger = append(c.event, r.Event), append(c.trigger, r.Trigger)
	c.depth, c.next = append(c.depth, int32(r.Depth)), append(c.next, int32(r.Next))
	c.lets, c.state, c.due = append(c.lets, text(r.Lets)), append(c.state, string(r.State)), append(c.due, due)
	c.action, c.started = append(c.action, r.Action), append(c.started, micros(r.Started))
}

// logColumns are log entries as the columns of qAppendMany.
type logColumns struct {
	at                                                   []int64
	kind, rule, event, trigger, rt, ri, action, actionID []string
	args, result                                         []*string
	state                                                []string
	attempt                                              []int32
	err                                                  []string
	duration                                             []int64
	clauses                                              []*string
	message                                              []string
}

func (l *logColumns) add(e *store.LogEntry, clauses *string) {
	l.at, l.kind, l.rule = append(l.at, micros(e.At)), append(l.kind, string(e.Kind)), append(l.rule, e.Rule)
	l.event, l.trigger = append(l.event, e.Event), append(l.trigger, e.Trigger)
	l.rt, l.ri = append(l.rt, e.Record.Type), append(l.ri, e.Record.ID)
	l.action, l.actionID = append(l.action, e.Action), append(l.actionID, e.ActionID)
	l.args, l.result = append(l.args, text(e.Args)), append(l.result, text(e.Result))
	l.state, l.attempt, l.err = append(l.state, string(e.State)), append(l.attempt, int32(e.Attempt)), append(l.err, e.Error)
	l.duration, l.clauses, l.message = append(l.duration, int64(e.Duration)), append(l.clauses, clauses), append(l.message, e.Message)
}

// onceRow is a once-claim to insert.
type onceRow struct {
	rule string
	ref  store.Ref
	key  string
}

// actionColumns are actions as the columns of qEnqueueMany.
type actionColumns struct {
	id, run, rule, event, trigger, rt, ri, name []string
	args                                        []*string
	state                                       []string
	attempt                                     []int32
	nextAt                                      []int64
	err                                         []string
	result                                      []*string
	created, updated                            []int64
}

func (c *actionColumns) add(a *store.Action) {
	c.id, c.run, c.rule, c.event, c.trigger = append(c.id, a.ID), append(c.run, a.Run), append(c.rule, a.Rule), append(c.event, a.Event), append(c.trigger, a.Trigger)
	c.rt, c.ri, c.name = append(c.rt, a.Record.Type), append(c.ri, a.Record.ID), append(c.name, a.Name)
	c.args, c.state, c.attempt = append(c.args, text(a.Args)), append(c.state, string(a.State)), append(c.attempt, int32(a.Attempt))
	c.nextAt, c.err, c.result = append(c.nextAt, micros(a.NextAt)), append(c.err, a.Error), append(c.result, text(a.Result))
	c.created, c.updated = append(c.created, micros(a.Created)), append(c.updated, micros(a.Updated))
}
