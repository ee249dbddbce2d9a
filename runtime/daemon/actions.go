package daemon

// This file defines how outside actions are performed: the Connector
// interface, the built-in outbox connector, and the action worker that
// takes due actions from the queue, performs them, retries transient
// failures with backoff and reports the outcome to the engine.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/automat-rules/automat/runtime/engine"
	"github.com/automat-rules/automat/runtime/store"
)

// Class is how an attempt to perform an action ended.
type Class uint8

// Classes of results (those of runtime/action).
const (
	// OK: performed.
	OK Class = iota
	// Transient: not performed this time; retried with backoff.
	Transient
	// Permanent: refused for good; the action fails and its run stops.
	Permanent
	// Unknown: the receiver may have acted; not resent on its own (a
	// person retries it with POST /v1/actions/{id}/retry).
	Unknown
)

// Request is one attempt to perform an action.
type Request struct {
	// Action is the queued action; its ID is the idempotency key.
	Action *store.Action
	// Record is the subject record's current snapshot, or nil.
	Record json.RawMessage
}

// Result is the outcome of one attempt.
type Result struct {
	Class Class
	Err   error
	// Output describes what was done, for the log; Value is the action's
	// result for `let x = action(...)`.
	Output json.RawMessage
	Value  json.RawMessage
	// RetryAfter, when set, is the earliest the action may be retried.
	RetryAfter time.Duration
}

// Connector performs outside actions (e-mail, SMS, webhooks, shop
// systems). Perform is called from many goroutines at once and must
// honour ctx.
type Connector interface {
	Perform(ctx context.Context, r *Request) Result
}

// Outbox is the built-in connector used until real connectors are
// configured: it records each outside action as performed (the action
// queue keeps it, state done, visible at GET /v1/actions?state=done and
// in the log) and, when File is set, appends it as one JSON line to File
// (synced to disk before it counts as done), so another program can
// deliver it. A line may repeat after a crash: readers deduplicate by
// "id", the idempotency key.
type Outbox struct {
	File   string
	Tenant string
	mu     sync.Mutex
}

// Perform implements Connector.
func (o *Outbox) Perform(ctx context.Context, r *Request) Result {
	out := json.RawMessage(`{"outbox":true}`)
	if o.File == "" {
		return Result{Class: OK, Output: out}
	}
	a := r.Action
	line, err := json.Marshal(struct {
		ID     string          `json:"id"`
		Tenant string          `json:"tenant"`
		Action string          `json:"action"`
		Args   json.RawMessage `json:"args"`
		Rule   string          `json:"rule"`
		Event  string          `json:"event"`
		Record store.Ref       `json:"record"`
		At     time.Time       `json:"at"`
	}{a.ID, o.Tenant, a.Name, a.Args, a.Rule, a.Event, a.Record, time.Now().UTC()})
	if err != nil {
		return Result{Class: Permanent, Err: err}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	f, err := os.OpenFile(o.File, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return Result{Class: Transient, Err: fmt.Errorf("outbox: %w", err)}
	}
	_, err = f.Write(append(line, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Result{Class: Transient, Err: fmt.Errorf("outbox: %w", err)}
	}
	return Result{Class: OK, Output: out}
}

// actionLease is how long, beyond the action timeout, a daemon holds an
// action it took before another daemon may take it.
const actionLease = 10 * time.Second

// actionConcurrency is how many actions of one tenant are performed at
// once.
const actionConcurrency = 8

type actionWorker struct {
	t    *tenant
	wake chan struct{}
	sem  chan struct{}

	claims   *claims
	outcomes *outcomes
}

func newActionWorker(t *tenant) *actionWorker {
	return &actionWorker{
		t:        t,
		wake:     make(chan struct{}, 1),
		sem:      make(chan struct{}, actionConcurrency),
		claims:   newClaims(),
		outcomes: &outcomes{eng: func() *engine.Engine { return t.eng }, yield: func() { t.d.intake.yield(t.d.stop) }},
	}
}

func (w *actionWorker) run() { w.t.d.goWork(w.loop) }

// due is an action to perform and its record's snapshot.
type due struct {
	a   *store.Action
	rec json.RawMessage
}

// loop performs due actions, then sleeps until the next one is due, a new
// one is queued, or the poll interval passed.
func (w *actionWorker) loop() {
	d := w.t.d
	for {
		if d.stopping() {
			return
		}
		d.intake.yield(d.stop)
		var todo []due
		var next time.Time
		// On a shared store, take no more than can be performed at once:
		// a leased action waiting for a slot could outlive its lease and
		// be taken by another daemon too.
		limit := actionConcurrency + 64
		if shared(d.store) {
			limit = cap(w.sem) - len(w.sem)
		}
		epoch := w.claims.epoch()
		err := d.store.Update(d.work, w.t.name, func(tx store.Tx) error {
			todo, next = todo[:0], time.Time{}
			if limit == 0 {
				return nil // every slot busy; one that frees up wakes us
			}
			now := time.Now().UTC()
			as, err := tx.DueActions(now, limit)
			if err != nil {
				return err
			}
			for _, a := range as {
				// On a store shared by several daemons, lease the action:
				// no other daemon sees it due until the lease ends (one
				// that died while performing it is replaced then: at
				// least once).
				if shared(d.store) {
					leased := *a
					leased.NextAt = now.Add(d.opts.ActionTimeout + actionLease)
					if err := tx.UpdateAction(&leased); err != nil {
						return err
					}
				}
				var rec json.RawMessage
				if s, err := tx.Snapshot(a.Record); err != nil {
					return err
				} else if s != nil {
					rec = s.Data
				}
				todo = append(todo, due{a, rec})
			}
			pending, err := tx.Actions(store.Pending, 1)
			if err == nil && len(pending) > 0 {
				next = pending[0].NextAt
			}
			return err
		})
		if err != nil && d.work.Err() == nil {
			d.log.Error("reading the action queue", "tenant", w.t.name, "err", err)
		}
		d.metrics.depth.WithLabelValues(w.t.name, "actions").Set(float64(len(todo)))
		w.claims.sweep(epoch)
		for i, x := range todo {
			if !w.claims.claim(x.a.ID) {
				continue
			}
			select {
			case w.sem <- struct{}{}:
			case <-d.stop:
				w.claims.finish(x.a.ID)
				w.release(todo[i:])
				return
			}
			d.goWork(func() { w.perform(x.a, x.rec) })
		}
		sleep := d.opts.Poll
		if until := time.Until(next); !next.IsZero() && until > 0 && until < sleep {
			sleep = until // the next retry; due ones in flight wake us when done
		}
		if !d.sleep(sleep, w.wake) {
			return
		}
	}
}

// shared reports whether a store may be used by several daemons at once
// (PostgreSQL), so that taking an action must lease it.
func shared(s store.Store) bool {
	sh, ok := s.(interface{ Shared() bool })
	return ok && sh.Shared()
}

// release gives back the leases of actions taken but not performed
// (stopping), so that a daemon that starts next performs them at once.
func (w *actionWorker) release(todo []due) {
	d := w.t.d
	if !shared(d.store) || len(todo) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(d.work), 5*time.Second)
	defer cancel()
	err := d.store.Update(ctx, w.t.name, func(tx store.Tx) error {
		for _, x := range todo {
			a, err := tx.Action(x.a.ID)
			if err != nil {
				return err
			}
			if a.State == store.Pending {
				a.NextAt = time.Now().UTC()
				if err := tx.UpdateAction(a); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		d.log.Warn("releasing actions at stop; another daemon takes them when their lease ends", "tenant", w.t.name, "err", err)
	}
}

// perform makes one attempt at an action and records its outcome.
func (w *actionWorker) perform(a *store.Action, rec json.RawMessage) {
	d := w.t.d
	defer func() {
		w.claims.finish(a.ID)
		<-w.sem
		signal(w.wake)
	}()
	ctx, cancel := context.WithTimeout(d.work, d.opts.ActionTimeout)
	start := time.Now()
	res := w.attempt(ctx, a, rec)
	took := time.Since(start)
	cancel()
	if res.Class != OK && res.Err == nil {
		res.Err = errors.New("failed")
	}
	d.metrics.actionTime.WithLabelValues(w.t.name, a.Name, classNames[res.Class]).Observe(took.Seconds())
	// The outcome is recorded even while stopping: the action was
	// performed (or not), and forgetting that would perform it again.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(d.work), 10*time.Second)
	defer rcancel()
	var err error
	for try := range 3 {
		if err = w.record(rctx, a, res, took); err == nil {
			break
		}
		time.Sleep(time.Duration(try+1) * 100 * time.Millisecond)
	}
	if err != nil {
		d.log.Error("recording an action's outcome failed; it will be performed again", "tenant", w.t.name,
			"action", a.Name, "id", a.ID, "err", err)
	}
}

var classNames = [...]string{OK: "ok", Transient: "transient", Permanent: "permanent", Unknown: "unknown"}

// attempt calls the connector, turning a panic into an Unknown result
// (the connector may have sent the request).
func (w *actionWorker) attempt(ctx context.Context, a *store.Action, rec json.RawMessage) (res Result) {
	defer func() {
		if r := recover(); r != nil {
			w.t.d.bug("connector", r)
			w.t.d.log.Error("panic in a connector", "tenant", w.t.name, "action", a.Name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			res = Result{Class: Unknown, Err: fmt.Errorf("%w: connector panicked: %v", errPanic, r)}
		}
	}()
	return w.t.conn.Perform(ctx, &Request{Action: a, Record: rec})
}

// record stores the outcome of an attempt: done, failed, unknown or dead
// go to the engine (which continues or stops the waiting run); a
// transient failure with attempts left is scheduled again.
func (w *actionWorker) record(ctx context.Context, a *store.Action, res Result, took time.Duration) error {
	m, retry := w.t.d.metrics, &w.t.d.cfg.Retry
	switch res.Class {
	case OK:
		result := res.Value
		if result == nil {
			result = res.Output
		}
		return w.outcomes.complete(ctx, engine.Outcome{ID: a.ID, State: store.Done, Result: result, Took: took})
	case Permanent:
		m.actionFail.WithLabelValues(w.t.name, a.Name, string(store.Failed)).Inc()
		return w.outcomes.complete(ctx, engine.Outcome{ID: a.ID, State: store.Failed, Cause: res.Err.Error(), Took: took})
	case Unknown:
		m.actionFail.WithLabelValues(w.t.name, a.Name, string(store.Unknown)).Inc()
		return w.outcomes.complete(ctx, engine.Outcome{ID: a.ID, State: store.Unknown, Cause: res.Err.Error(), Took: took})
	}
	if a.Attempt+1 >= retry.MaxAttempts {
		m.actionFail.WithLabelValues(w.t.name, a.Name, string(store.Dead)).Inc()
		return w.outcomes.complete(ctx, engine.Outcome{ID: a.ID, State: store.Dead,
			Cause: fmt.Sprintf("gave up after %d attempts: %v", a.Attempt+1, res.Err), Took: took})
	}
	m.actionFail.WithLabelValues(w.t.name, a.Name, "retry").Inc()
	return w.t.d.store.Update(ctx, w.t.name, func(tx store.Tx) error {
		cur, err := tx.Action(a.ID)
		if err != nil {
			return err
		}
		if cur.State != store.Pending {
			return nil // changed meanwhile
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		wait := w.t.d.backoff(cur.Attempt + 1)
		wait = max(wait, res.RetryAfter)
		cur.Attempt++
		cur.Error = res.Err.Error()
		cur.NextAt = now.Add(wait).Truncate(time.Microsecond)
		cur.Updated = now
		if err := tx.UpdateAction(cur); err != nil {
			return err
		}
		return tx.Append(&store.LogEntry{At: now, Kind: store.KindAction, Rule: cur.Rule, Event: cur.Event, Trigger: cur.Trigger,
			Record: cur.Record, Action: cur.Name, ActionID: cur.ID, Args: cur.Args, State: store.Pending, Attempt: cur.Attempt,
			Error: cur.Error, Duration: took, Message: fmt.Sprintf("transient failure: retry %d of %d in %s", cur.Attempt, retry.MaxAttempts-1, wait.Round(time.Millisecond))})
	})
}

// backoff is how long to wait before retrying after the n-th failed
// attempt: Backoff·2ⁿ⁻¹, at most MaxBackoff, with "equal jitter" (between
// half of that and all of it), so that actions failing together do not
// come back together.
func (d *Daemon) backoff(n int) time.Duration {
	r := &d.cfg.Retry
	b := float64(r.Backoff) * math.Pow(2, float64(max(n-1, 0)))
	b = min(b, float64(r.MaxBackoff))
	rnd := rand.Float64
	if d.opts.Rand != nil {
		rnd = d.opts.Rand
	}
	return time.Duration(b/2 + rnd()*b/2)
}

// retryAction makes a dead or unknown action pending again (POST
// /v1/actions/{id}/retry). The run that waited for it was stopped when it
// failed; the retry performs the action only.
func (t *tenant) retryAction(ctx context.Context, id string) (*store.Action, error) {
	var out *store.Action
	err := t.d.store.Update(ctx, t.name, func(tx store.Tx) error {
		a, err := tx.Action(id)
		if err != nil {
			return err
		}
		if a.State != store.Dead && a.State != store.Unknown {
			return fmt.Errorf("%w: action %s is %s: only dead or unknown actions can be retried", errConflict, id, a.State)
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		prev := a.State
		a.State, a.NextAt, a.Updated = store.Pending, now, now
		if err := tx.UpdateAction(a); err != nil {
			return err
		}
		out = a
		return tx.Append(&store.LogEntry{At: now, Kind: store.KindAction, Rule: a.Rule, Event: a.Event, Trigger: a.Trigger,
			Record: a.Record, Action: a.Name, ActionID: a.ID, Args: a.Args, State: store.Pending, Attempt: a.Attempt,
			Message: fmt.Sprintf("retried by hand (was %s)", prev)})
	})
	if err == nil {
		signal(t.actions.wake)
	}
	return out, err
}

var errConflict = errors.New("conflict")
