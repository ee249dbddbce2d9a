// Package engine gives rules their meaning (SPEC §1.5): it takes events
// from the store's inbox, keeps record snapshots, derives status and phase
// changes, selects and evaluates rules with the VM (runtime/vm), applies
// `once`, runs rule bodies statement by statement with durable waits,
// performs internal actions, queues outside ones, and chains the events
// that record-changing actions produce. Every decision is written to the
// event log in the same transaction as the state change it explains.
//
// The engine holds no state of its own between calls: everything lives in
// a store.Store, so the daemon (durable stores, real clock, outside
// actions queued for connectors) and the dry run (memstore, simulated
// clock, [Sim]) run the same code.
package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

// DefaultMaxDepth is how deep a chain of events caused by record-changing
// actions may go (SPEC §1.5).
const DefaultMaxDepth = 16

// Clock tells the engine the time; the daemon uses the system clock, dry
// runs a simulated one.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Config configures an Engine.
type Config struct {
	Store  store.Store
	Tenant string
	// Clock is the engine's time; nil is the system clock.
	Clock Clock
	// Inline makes outside actions (e-mail, SMS, webhooks, shop
	// systems) count as performed at once, without the action queue: the
	// dry run of `rulec run` and `rulec test`.
	Inline bool
	// Trace, when set, is called after each commit with the log entries
	// it wrote, in order.
	Trace func(*store.LogEntry)
	// MaxDepth bounds chains of events; 0 is DefaultMaxDepth.
	MaxDepth int
}

// Engine runs one tenant's ruleset. It is safe for concurrent use, but
// the events of one record must be processed one at a time, in order.
type Engine struct {
	cfg Config
	rs  atomic.Pointer[Ruleset]

	mu  sync.Mutex
	old map[string]*Ruleset // earlier versions, for runs that started on them
}

// New returns an engine running rs with cfg.
func New(rs *Ruleset, cfg Config) *Engine {
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	e := &Engine{cfg: cfg, old: make(map[string]*Ruleset)}
	e.rs.Store(rs)
	return e
}

// Ruleset returns the ruleset new events run on.
func (e *Engine) Ruleset() *Ruleset { return e.rs.Load() }

// SetRuleset makes rs the ruleset of new events. Runs that wait keep the
// version they started with while this engine lives.
func (e *Engine) SetRuleset(rs *Ruleset) {
	prev := e.rs.Swap(rs)
	if prev != nil && prev.Version != rs.Version {
		e.mu.Lock()
		e.old[prev.Version] = prev
		e.mu.Unlock()
	}
}

// rulesetOf returns the ruleset a run continues on and the index of its
// rule there, or -1 when the rule is gone: its own version if this engine
// still has it, else the current one.
func (e *Engine) rulesetOf(run *store.Run) (*Ruleset, int) {
	rs := e.Ruleset()
	if run.Version != rs.Version {
		e.mu.Lock()
		if old := e.old[run.Version]; old != nil {
			rs = old
		}
		e.mu.Unlock()
	}
	return rs, rs.Rule(run.Rule)
}

// now returns the engine's time as stores keep it (UTC, microseconds).
func (e *Engine) now() time.Time {
	return e.cfg.Clock.Now().UTC().Truncate(time.Microsecond)
}

// update runs fn in one store transaction and traces the log entries it
// wrote once they are committed.
func (e *Engine) update(ctx context.Context, fn func(j *job) error) error {
	var logs []*store.LogEntry
	err := e.cfg.Store.Update(ctx, e.cfg.Tenant, func(tx store.Tx) error {
		j := &job{e: e, ctx: ctx, tx: tx, now: e.now()}
		if err := fn(j); err != nil {
			return err
		}
		logs = j.logs
		if len(logs) == 0 {
			return nil
		}
		return tx.Append(logs...)
	})
	if err == nil && e.cfg.Trace != nil {
		for _, l := range logs {
			e.cfg.Trace(l)
		}
	}
	return err
}

// Process processes one event of the inbox (accepted with Store.Accept or
// produced by a chain) and marks it done, in one transaction.
func (e *Engine) Process(ctx context.Context, ev *store.Event) error {
	return e.ProcessBatch(ctx, []*store.Event{ev})
}

// ProcessBatch processes several events of the inbox, in order, in one
// transaction: one commit (one fsync) for all, which is what makes a
// durable store fast. An error fails the whole batch; nothing of it is
// kept, and each event can then be processed on its own.
func (e *Engine) ProcessBatch(ctx context.Context, evs []*store.Event) error {
	rs := e.Ruleset()
	return e.update(ctx, func(j *job) error {
		if err := j.prefetch(evs); err != nil {
			return err
		}
		for _, ev := range evs {
			if err := j.process(rs, ev); err != nil {
				return fmt.Errorf("event %s: %w", ev.ID, err)
			}
		}
		return nil
	})
}

// Drain processes the inbox's pending events in acceptance order, chained
// events included, until none is left, and returns how many it
// processed. It serves one process that owns the store (dry runs, the
// embedded store); the daemon's workers claim records instead.
func (e *Engine) Drain(ctx context.Context) (int, error) {
	n := 0
	for {
		var batch []*store.Event
		err := e.cfg.Store.Update(ctx, e.cfg.Tenant, func(tx store.Tx) error {
			var err error
			batch, err = tx.Pending(0, 64)
			return err
		})
		if err != nil || len(batch) == 0 {
			return n, err
		}
		if err := e.ProcessBatch(ctx, batch); err != nil {
			return n, err
		}
		n += len(batch)
	}
}

// Wake continues the runs whose wait fell due at or before the engine's
// now, one transaction each, and returns how many it handled.
func (e *Engine) Wake(ctx context.Context) (int, error) {
	n := 0
	for {
		done := false
		err := e.update(ctx, func(j *job) error {
			runs, err := j.tx.DueRuns(j.now, 1)
			if err != nil || len(runs) == 0 {
				done = true
				return err
			}
			return j.due(runs[0])
		})
		if err != nil || done {
			return n, err
		}
		n++
	}
}

// NextDue returns when the earliest waiting run falls due (zero: none).
func (e *Engine) NextDue(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := e.cfg.Store.Update(ctx, e.cfg.Tenant, func(tx store.Tx) error {
		var err error
		t, err = tx.NextDue()
		return err
	})
	return t, err
}

// tickPage is how many records one transaction of a schedule tick covers.
const tickPage = 100

// Tick runs the rules triggered by the cron spec at time at (the tick's
// scheduled time) over every stored record of their subject types, a page
// of records per transaction.
func (e *Engine) Tick(ctx context.Context, spec string, at time.Time) error {
	rs := e.Ruleset()
	var sch *schedule
	for i := range rs.schedules {
		if rs.schedules[i].spec == spec {
			sch = &rs.schedules[i]
		}
	}
	if sch == nil {
		return fmt.Errorf("no rule is triggered by schedule %q", spec)
	}
	var types []int32
	for _, i := range sch.rules {
		t := rs.Prog.Rules[i].Subject
		if !containsType(types, t) {
			types = append(types, t)
		}
	}
	for _, t := range types {
		typ := rs.Prog.Records[t].Name
		after := ""
		for {
			var last string
			err := e.update(ctx, func(j *job) error {
				snaps, err := j.tx.Snapshots(typ, after, tickPage)
				if err != nil {
					return err
				}
				last = ""
				for _, s := range snaps {
					if err := j.tick(rs, sch, t, at, s); err != nil {
						return fmt.Errorf("schedule %q on %s: %w", spec, s.Ref, err)
					}
					last = s.Ref.ID
				}
				return nil
			})
			if err != nil {
				return err
			}
			if last == "" {
				break
			}
			after = last
		}
	}
	return nil
}

func containsType(ts []int32, t int32) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// Outcome is the result of one attempt of a queued action: State Done
// (with Result) continues the run that waits for it; Failed, Dead or
// Unknown (with Cause) stops it.
type Outcome struct {
	ID     string
	State  store.ActionState
	Result []byte
	Cause  string
	Took   time.Duration
}

// Complete records several outcomes in one transaction (one commit for a
// batch of finished actions).
func (e *Engine) Complete(ctx context.Context, outcomes []Outcome) error {
	for _, o := range outcomes {
		if o.State == store.Pending || o.State == store.Skipped || o.State == "" {
			return fmt.Errorf("action %s: an outcome is done, failed, dead or unknown, not %q", o.ID, o.State)
		}
	}
	return e.update(ctx, func(j *job) error {
		for _, o := range outcomes {
			var err error
			if o.State == store.Done {
				err = j.actionDone(o.ID, o.Result, o.Took)
			} else {
				err = j.actionFailed(o.ID, o.State, o.Cause, o.Took)
			}
			if err != nil {
				return fmt.Errorf("action %s: %w", o.ID, err)
			}
		}
		return nil
	})
}

// ActionDone records that a queued action succeeded with result (nil for
// none) and continues the run that waited for it.
func (e *Engine) ActionDone(ctx context.Context, id string, result []byte, took time.Duration) error {
	return e.update(ctx, func(j *job) error { return j.actionDone(id, result, took) })
}

// ActionFailed records that a queued action failed for good (state
// Failed, Dead or Unknown) and stops the run that waited for it.
func (e *Engine) ActionFailed(ctx context.Context, id string, state store.ActionState, cause string, took time.Duration) error {
	if state == store.Pending || state == store.Done {
		return errors.New("ActionFailed wants a failed, dead or unknown state")
	}
	return e.update(ctx, func(j *job) error { return j.actionFailed(id, state, cause, took) })
}

// Validate checks an event against the ruleset's schema: a known record
// type, and data every field of which has the declared type. The error
// names the field ("record.data: items[2].price: ..."). A record
// referred to by id is not looked up.
func (e *Engine) Validate(ev *store.Event) error {
	rs := e.Ruleset()
	t := rs.Schema.Type(ev.Record.Type)
	if t < 0 {
		return &FieldError{Field: "record.type", Msg: fmt.Sprintf("unknown record type %q: the ruleset knows %s", ev.Record.Type, typeList(rs))}
	}
	if _, err := rs.Schema.DecodeRefs(t, ev.Data, noRefs); err != nil {
		return &FieldError{Field: "record.data", Msg: err.Error()}
	}
	return nil
}

func typeList(rs *Ruleset) string {
	names := make([]string, 0, len(rs.Prog.Records))
	for _, r := range rs.Prog.Records {
		names = append(names, r.Name)
	}
	return strings.Join(names, ", ")
}
