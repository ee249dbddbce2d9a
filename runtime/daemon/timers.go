package daemon

// This file defines the timers of a tenant: waits that fall due and the
// ticks of `on schedule` triggers.

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/runtime/store"
	"github.com/robfig/cron/v3"
)

// scheduleType is the record type under which the time of each cron
// spec's last tick is kept (a snapshot per spec, id = the spec). It has a
// dot, so no ruleset can declare a record type of that name.
const scheduleType = "automat.schedule"

// scheduleLease is how long a daemon sharing its store with others leads
// the schedule ticks of a tenant after its last tick: a killed leader is
// replaced by another daemon at the first tick after that.
const scheduleLease = 10 * time.Second

// leader is a store shared by several daemons (pgstore): one of them at a
// time, the holder of a lease, runs a tenant's schedule ticks.
type leader interface {
	TryLead(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}

type timers struct {
	t      *tenant
	reload chan struct{} // the ruleset changed: its schedules may have
}

func newTimers(t *tenant) *timers {
	return &timers{t: t, reload: make(chan struct{}, 1)}
}

func (tm *timers) run() {
	tm.t.d.goWork(tm.waits)
	tm.t.d.goWork(tm.schedules)
}

// waits continues the runs whose wait fell due, then sleeps until the
// next one is due (or the poll interval passed: runs parked meanwhile).
func (tm *timers) waits() {
	d := tm.t.d
	for {
		if d.stopping() {
			return
		}
		n, err := tm.wake()
		if err != nil && d.work.Err() == nil {
			d.log.Error("continuing due waits", "tenant", tm.t.name, "err", err)
		}
		if n > 0 {
			signal(tm.t.inbox.wake) // a continued run may have chained events
		}
		sleep := d.opts.Poll
		if next, err := tm.t.eng.NextDue(d.work); err == nil && !next.IsZero() {
			sleep = min(sleep, max(time.Until(next), 0)+time.Millisecond)
		}
		if !d.sleep(sleep, nil) {
			return
		}
	}
}

func (tm *timers) wake() (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			tm.t.d.bug("waits", r)
			tm.t.d.log.Error("panic continuing waits", "tenant", tm.t.name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	return tm.t.eng.Wake(tm.t.d.work)
}

// tick is one cron spec of the running ruleset and its next tick.
type tick struct {
	spec  string
	sched cron.Schedule
	next  time.Time
}

// schedules runs the ticks of the running ruleset's cron specs. On start
// (and after a reload), a spec whose ticks were missed while the daemon
// was down runs once, at the time of the last missed tick; a spec seen
// for the first time starts from now.
func (tm *timers) schedules() {
	d := tm.t.d
	for {
		ticks := tm.catchUp()
		for {
			next := -1
			for i := range ticks {
				if !ticks[i].next.IsZero() && (next < 0 || ticks[i].next.Before(ticks[next].next)) {
					next = i
				}
			}
			sleep := time.Hour
			if next >= 0 {
				sleep = max(time.Until(ticks[next].next), 0)
			}
			timer := time.NewTimer(sleep)
			select {
			case <-d.stop:
				timer.Stop()
				return
			case <-tm.reload:
				timer.Stop()
			case <-timer.C:
				if next >= 0 {
					k := &ticks[next]
					tm.tick(k.spec, k.next, "")
					k.next = k.sched.Next(time.Now().UTC())
				}
				continue
			}
			break // reloaded: start over with the new specs
		}
	}
}

// catchUp parses the running ruleset's cron specs and runs, once, the
// last tick each missed.
func (tm *timers) catchUp() []tick {
	d := tm.t.d
	var ticks []tick
	now := time.Now().UTC()
	for _, spec := range tm.t.eng.Ruleset().Schedules() {
		sched, err := compiler.CronParser.Parse(spec)
		if err != nil {
			d.log.Error("bad schedule", "tenant", tm.t.name, "spec", spec, "err", err)
			continue
		}
		ticks = append(ticks, tick{spec: spec, sched: sched, next: sched.Next(now)})
		last, err := tm.lastTick(spec)
		if err != nil {
			d.log.Error("reading the last tick", "tenant", tm.t.name, "spec", spec, "err", err)
			continue
		}
		if last.IsZero() {
			tm.claim(spec, now) //nolint:errcheck // a spec seen for the first time starts now
			continue
		}
		if missed, ok := lastBetween(sched, last, now); ok {
			tm.tick(spec, missed, fmt.Sprintf("late: missed while automatd was down (last tick %s)", last.Format(time.RFC3339)))
		}
	}
	return ticks
}

// tick claims the tick of spec at time at and runs it. The claim is stored
// before the tick runs: a crash during a tick does not run it again (its
// records get the next tick), so an `always` rule on a schedule never
// fires twice for one tick.
func (tm *timers) tick(spec string, at time.Time, note string) {
	d := tm.t.d
	if !tm.lead() {
		return
	}
	ok, err := tm.claim(spec, at)
	if err != nil || !ok {
		if err != nil && d.work.Err() == nil {
			d.log.Error("claiming a schedule tick", "tenant", tm.t.name, "spec", spec, "err", err)
		}
		return
	}
	log := d.log.With("tenant", tm.t.name, "spec", spec, "at", at.Format(time.RFC3339))
	if note != "" {
		log.Info("schedule tick", "note", note)
	} else {
		log.Debug("schedule tick")
	}
	start := time.Now()
	err = func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				d.bug("schedule", r)
				err = fmt.Errorf("%w: %v\n%s", errPanic, r, debug.Stack())
			}
		}()
		return tm.t.eng.Tick(d.work, spec, at)
	}()
	d.metrics.ticks.WithLabelValues(tm.t.name).Inc()
	if err != nil {
		log.Error("schedule tick failed", "err", err)
		return
	}
	log.Debug("schedule tick done", "took", time.Since(start))
	signal(tm.t.inbox.wake)
}

// lead reports whether this daemon runs the tenant's ticks: always on a
// store of its own; on a shared store while it holds the tenant's
// schedule lease, renewed at each tick. The lease saves the other daemons
// the work; the claim of each tick (claim) is what keeps a tick from
// running twice, also when a paused leader's lease ran out meanwhile.
func (tm *timers) lead() bool {
	return tm.t.d.leads("schedule/"+tm.t.name, scheduleLease)
}

// lastTick returns when spec last ticked (zero: never).
func (tm *timers) lastTick(spec string) (time.Time, error) {
	var at time.Time
	err := tm.t.d.store.Update(tm.t.d.work, tm.t.name, func(tx store.Tx) error {
		s, err := tx.Snapshot(store.Ref{Type: scheduleType, ID: spec})
		if err != nil || s == nil {
			return err
		}
		at = s.At
		return nil
	})
	return at, err
}

// claim records that spec ticks at at, unless a tick at or after at was
// recorded (by an earlier run of this daemon, or by another daemon on the
// same store): then it reports false.
func (tm *timers) claim(spec string, at time.Time) (bool, error) {
	at = at.UTC().Truncate(time.Microsecond)
	claimed := false
	err := tm.t.d.store.Update(tm.t.d.work, tm.t.name, func(tx store.Tx) error {
		ref := store.Ref{Type: scheduleType, ID: spec}
		if err := tx.Claim(ref); err != nil { // two daemons may claim one tick
			return err
		}
		s, err := tx.Snapshot(ref)
		if err != nil {
			return err
		}
		if s != nil && !s.At.Before(at) {
			return nil
		}
		data, _ := json.Marshal(map[string]string{"spec": spec, "last_tick": at.Format(time.RFC3339Nano)})
		claimed = true
		return tx.PutSnapshot(&store.Snapshot{Ref: ref, Data: data, At: at, Event: "schedule@" + at.Format(time.RFC3339)})
	})
	return claimed, err
}

// lastBetween returns the last tick of s after after and not after now.
func lastBetween(s cron.Schedule, after, now time.Time) (time.Time, bool) {
	t := after
	if c, ok := s.(cron.ConstantDelaySchedule); ok && c.Delay > 0 {
		if k := now.Sub(after) / c.Delay; k > 2 {
			t = after.Add((k - 2) * c.Delay)
		}
	}
	var last time.Time
	for range 2_000_000 {
		n := s.Next(t)
		if n.IsZero() || n.After(now) {
			break
		}
		last, t = n, n
	}
	return last, !last.IsZero()
}
