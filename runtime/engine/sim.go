package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/store/memstore"
	"github.com/robfig/cron/v3"
)

// SimClock is the simulated clock of dry runs: it shows the time it was
// last set to, and never goes back.
type SimClock struct{ t time.Time }

// Now implements Clock.
func (c *SimClock) Now() time.Time { return c.t }

// Sim is a dry run (SPEC §3): an engine on a memstore and a simulated
// clock, fed events and clock lines in order. Before an event or a clock
// line at time T is taken, every schedule tick and every wait due at or
// before T runs, in time order (a wait before a tick at the same time);
// the clock then follows T. Outside actions are performed inline: the
// dry run only reports them. A Sim is deterministic: the same input gives
// the same log.
type Sim struct {
	Engine *Engine
	Store  *memstore.Store
	clock  SimClock
	ticks  []simTick
	start  bool
}

type simTick struct {
	spec  string
	sched cron.Schedule
	next  time.Time
}

// NewSim returns a dry run of rs; trace sees every log entry as it is
// committed. opts configure the memstore (memstore.LogLimit keeps long
// runs small).
func NewSim(rs *Ruleset, trace func(*store.LogEntry), opts ...memstore.Option) (*Sim, error) {
	s := &Sim{Store: memstore.New(opts...)}
	s.Engine = New(rs, Config{Store: s.Store, Tenant: "default", Clock: &s.clock, Inline: true, Trace: trace})
	for _, spec := range rs.Schedules() {
		sched, err := compiler.CronParser.Parse(spec)
		if err != nil {
			return nil, fmt.Errorf("schedule %q: %w", spec, err)
		}
		s.ticks = append(s.ticks, simTick{spec: spec, sched: sched})
	}
	return s, nil
}

// maxSimSteps bounds the ticks and wake-ups one clock move may run, so a
// mistyped year in an events file fails clearly instead of running for
// hours.
const maxSimSteps = 100_000

// Now returns the simulated time.
func (s *Sim) Now() time.Time { return s.clock.t }

// Feed takes one input: an event is accepted (a repeated id is ignored, as
// the daemon ignores it) and processed with every event it chains; a clock
// line only advances the clock.
func (s *Sim) Feed(ctx context.Context, in Input) error {
	if in.Event == nil {
		return s.Advance(ctx, in.Clock)
	}
	if err := s.Advance(ctx, in.Event.At); err != nil {
		return err
	}
	fresh, err := s.Store.Accept(ctx, "default", []*store.Event{in.Event})
	if err != nil {
		return err
	}
	if !fresh[0] {
		s.Engine.cfg.traceNote(&store.LogEntry{At: s.clock.t, Kind: store.KindEvent, Event: in.Event.ID,
			Trigger: in.Event.Type, Record: in.Event.Record, Message: "repeated event id: already accepted, ignored"})
		return nil
	}
	_, err = s.Engine.Drain(ctx)
	return err
}

// Advance runs the ticks and waits due up to t and moves the clock to t
// (never back).
func (s *Sim) Advance(ctx context.Context, t time.Time) error {
	t = t.UTC().Truncate(time.Microsecond)
	if !s.start {
		s.start = true
		s.clock.t = t
		for i := range s.ticks {
			s.ticks[i].next = s.ticks[i].sched.Next(t)
		}
	}
	steps := 0
	for {
		if steps++; steps > maxSimSteps {
			return fmt.Errorf("the clock jumps from %s to %s over more than %d schedule ticks and waits: advance it in smaller steps or check the time",
				s.clock.t.Format(time.RFC3339), t.Format(time.RFC3339), maxSimSteps)
		}
		due, err := s.Engine.NextDue(ctx)
		if err != nil {
			return err
		}
		tick := -1
		for i := range s.ticks {
			if s.ticks[i].next.IsZero() {
				continue // the spec never fires again
			}
			if tick < 0 || s.ticks[i].next.Before(s.ticks[tick].next) {
				tick = i
			}
		}
		switch {
		case !due.IsZero() && !due.After(t) && (tick < 0 || !due.After(s.ticks[tick].next)):
			s.set(due)
			if _, err := s.Engine.Wake(ctx); err != nil {
				return err
			}
		case tick >= 0 && !s.ticks[tick].next.After(t):
			at := s.ticks[tick].next
			s.set(at)
			if err := s.Engine.Tick(ctx, s.ticks[tick].spec, at); err != nil {
				return err
			}
			s.ticks[tick].next = s.ticks[tick].sched.Next(at)
		default:
			s.set(t)
			return nil
		}
		if _, err := s.Engine.Drain(ctx); err != nil {
			return err
		}
	}
}

func (s *Sim) set(t time.Time) {
	if t.After(s.clock.t) {
		s.clock.t = t
	}
}

// traceNote reports an entry that is not written to the store.
func (c *Config) traceNote(l *store.LogEntry) {
	if c.Trace != nil {
		c.Trace(l)
	}
}

// Snapshots returns the stored snapshots of every record of type typ, by
// id.
func (s *Sim) Snapshots(typ string) ([]*store.Snapshot, error) {
	var out []*store.Snapshot
	err := s.Store.Update(context.Background(), "default", func(tx store.Tx) error {
		after := ""
		for {
			page, err := tx.Snapshots(typ, after, 100)
			if err != nil || len(page) == 0 {
				return err
			}
			out = append(out, page...)
			after = page[len(page)-1].Ref.ID
		}
	})
	return out, err
}
