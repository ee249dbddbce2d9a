package daemon

// This file defines the inbox worker: it takes a tenant's pending events
// from the store and hands each to the shard of its record, so that the
// events of one record are processed one at a time in acceptance order
// while different records are processed in parallel.

import (
	"errors"
	"fmt"
	"hash/maphash"
	"runtime/debug"
	"sync"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

// window is how many pending events the dispatcher reads at once; it also
// bounds the events in flight, so a shard's queue never fills.
const window = 512

type inbox struct {
	t      *tenant
	seed   maphash.Seed
	shards []chan *store.Event
	wake   chan struct{}

	claims *claims

	mu       sync.Mutex
	accepted map[string]time.Time // events accepted by this process, for the lag metric
}

func newInbox(t *tenant) *inbox {
	in := &inbox{
		t:        t,
		seed:     maphash.MakeSeed(),
		wake:     make(chan struct{}, 1),
		claims:   newClaims(),
		accepted: make(map[string]time.Time),
	}
	for range t.d.cfg.Workers {
		in.shards = append(in.shards, make(chan *store.Event, window+16))
	}
	return in
}

func (in *inbox) run() {
	d := in.t.d
	d.goWork(in.dispatch)
	for _, ch := range in.shards {
		d.goWork(func() { in.shard(ch) })
	}
}

// noteAccepted remembers when fresh events were accepted and wakes the
// dispatcher.
func (in *inbox) noteAccepted(ids []string, at time.Time) {
	in.mu.Lock()
	for _, id := range ids {
		if len(in.accepted) < 100_000 {
			in.accepted[id] = at
		}
	}
	in.mu.Unlock()
	signal(in.wake)
}

// dispatch reads pending events and hands the ones not in flight to their
// record's shard, whenever it is woken (new events, a shard done) or the
// poll interval passed.
func (in *inbox) dispatch() {
	d := in.t.d
	// The dispatcher pages through the inbox (after: the last event it
	// read) and starts again from the front when it reached the end or
	// a poll interval passed: the events left behind (their record was
	// claimed by another daemon, or their turn had not come) are taken
	// then, and a long inbox is not read from its front at every wake
	// (on PostgreSQL that read grew with the done events not vacuumed
	// yet: 17 ms per read in a 20,000-event backlog).
	var after int64
	front := time.Now()
	for {
		if d.stopping() {
			return
		}
		if time.Since(front) >= d.opts.Poll {
			after, front = 0, time.Now()
		}
		// At most window events in flight: a shard's queue never fills.
		limit := window - in.claims.inFlight()
		if limit < window/2 {
			if !d.sleep(d.opts.Poll, in.wake) {
				return
			}
			continue
		}
		d.intake.yield(d.stop)
		var batch []*store.Event
		epoch := in.claims.epoch()
		err := d.store.Update(d.work, in.t.name, func(tx store.Tx) error {
			var err error
			batch, err = tx.Pending(after, limit)
			return err
		})
		switch {
		case len(batch) == limit:
			after = batch[len(batch)-1].Seq
		case after > 0:
			after, front = 0, time.Now()
			if len(batch) == 0 {
				continue // read the front now
			}
		}
		if err != nil {
			if d.work.Err() != nil {
				return
			}
			d.log.Error("reading the inbox", "tenant", in.t.name, "err", err)
		}
		d.metrics.depth.WithLabelValues(in.t.name, "inbox").Set(float64(len(batch)))
		in.claims.sweep(epoch)
		for _, ev := range batch {
			if in.claims.claim(ev.ID) {
				in.shards[in.shardOf(ev.Record)] <- ev
			}
		}
		if !d.sleep(d.opts.Poll, in.wake) {
			return
		}
	}
}

func (in *inbox) shardOf(r store.Ref) int {
	var h maphash.Hash
	h.SetSeed(in.seed)
	h.WriteString(r.Type)
	h.WriteByte(0)
	h.WriteString(r.ID)
	return int(h.Sum64() % uint64(len(in.shards)))
}

// shardBatch is how many events a shard processes in one transaction
// when they queue up: one commit for all. The embedded store has one
// writer, which accepting events waits for, so its transactions stay
// short (32: with 128, a 100-event request's p99 went from 107-147 to
// 280 ms); PostgreSQL's writers run side by side, and larger batches
// mean fewer statements per event (128: 2,000 -> 2,500 events/s).
func (in *inbox) shardBatch() int {
	if shared(in.t.d.store) {
		return 64
	}
	return 32
}

// shard processes the events handed to it, in order, until Stop; the
// events that queued up while it worked are processed together.
func (in *inbox) shard(ch chan *store.Event) {
	d := in.t.d
	size := in.shardBatch()
	batch := make([]*store.Event, 0, size)
	for {
		select {
		case <-d.stop:
			return
		case ev := <-ch:
			batch = append(batch[:0], ev)
		}
		d.intake.yield(d.stop) // the events that queue meanwhile join the batch
		limit := size
		if d.intake.busy() {
			limit = min(size, busyBatch)
		}
	more:
		for len(batch) < limit {
			select {
			case ev := <-ch:
				batch = append(batch, ev)
			default:
				break more
			}
		}
		if d.stopping() || !d.intake.enter(d.stop) {
			return
		}
		in.handleBatch(batch)
		d.intake.leave()
		for _, ev := range batch {
			active := in.claims.finish(ev.ID)
			in.mu.Lock()
			at, ok := in.accepted[ev.ID]
			delete(in.accepted, ev.ID)
			in.mu.Unlock()
			if ok {
				d.metrics.lag.WithLabelValues(in.t.name).Observe(time.Since(at).Seconds())
			}
			if active < window/2 {
				signal(in.wake)
			}
		}
	}
}

// handleBatch processes events in one transaction; when that fails, one
// by one, so that one event at fault does not hold up the others.
func (in *inbox) handleBatch(batch []*store.Event) {
	if len(batch) == 1 {
		in.handle(batch[0])
		return
	}
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%w: %v", errPanic, r)
			}
		}()
		return in.t.eng.ProcessBatch(in.t.d.work, batch)
	}()
	if err == nil {
		in.t.d.metrics.processed.WithLabelValues(in.t.name).Add(float64(len(batch)))
		return
	}
	for _, ev := range batch {
		if in.t.d.work.Err() != nil {
			return
		}
		in.handle(ev)
	}
}

// errPanic marks an event whose processing panicked.
var errPanic = errors.New("internal error")

// handle processes one event, retrying while the store fails; an event
// that makes the engine panic, or that the store refuses as a duplicate,
// is set aside with an error in the log, so that it does not block its
// record for ever.
func (in *inbox) handle(ev *store.Event) {
	d := in.t.d
	backoff := 50 * time.Millisecond
	for {
		err := in.process(ev)
		if err == nil {
			d.metrics.processed.WithLabelValues(in.t.name).Inc()
			return
		}
		if d.work.Err() != nil {
			return // the event stays pending for the next start
		}
		if errors.Is(err, errPanic) || errors.Is(err, store.ErrDuplicate) {
			in.setAside(ev, err)
			return
		}
		d.log.Error("processing an event failed; retrying", "tenant", in.t.name, "event", ev.ID, "record", ev.Record.String(), "err", err, "retry_in", backoff)
		if !d.sleep(backoff, nil) {
			return
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// process runs the engine on one event, turning a panic into an error.
func (in *inbox) process(ev *store.Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			in.t.d.bug("inbox", r)
			in.t.d.log.Error("panic processing an event", "tenant", in.t.name, "event", ev.ID, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	return in.t.eng.Process(in.t.d.work, ev)
}

// setAside marks an event done without running rules, with the reason in
// the log.
func (in *inbox) setAside(ev *store.Event, cause error) {
	d := in.t.d
	err := d.store.Update(d.work, in.t.name, func(tx store.Tx) error {
		if err := tx.Done(ev.ID); err != nil {
			return err
		}
		return tx.Append(&store.LogEntry{At: time.Now().UTC().Truncate(time.Microsecond), Kind: store.KindError, Event: ev.ID,
			Trigger: ev.Type, Record: ev.Record, Error: cause.Error(), Message: "the event was set aside: no rule ran on it"})
	})
	if err != nil {
		d.log.Error("setting an event aside failed", "tenant", in.t.name, "event", ev.ID, "err", err)
	}
}
