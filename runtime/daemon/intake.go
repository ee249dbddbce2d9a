package daemon

// This file defines the priority of accepting events over processing
// them. An accepted event is durable and is processed later whatever
// happens, while the client (a shop system's webhook) waits for the 202
// and may give up. On a machine whose cores are all busy, requests that
// compete with processing for the CPU wait for it: on the 2-core test
// machine at 10,000 events/s in batches of 100 on PostgreSQL, the p99 of
// a request was 120-129 ms with two inbox workers processing, 43 ms with
// one, 26 ms with none. So while event requests are in flight:
//
//   - one inbox worker at a time runs a transaction (all of them when no
//     request is in flight), with at most busyBatch events;
//   - a worker about to start a transaction (events, action leases,
//     action outcomes) first lets the requests in flight finish, waiting
//     at most yieldMax, so that processing goes on under a stream of
//     requests that never pauses.

import (
	"sync"
	"time"
)

const (
	yieldMax  = 20 * time.Millisecond
	busyBatch = 16
)

// intake counts the event requests in flight and the inbox workers'
// transactions running.
type intake struct {
	mu      sync.Mutex
	n       int           // requests in flight
	running int           // inbox transactions running
	changed chan struct{} // closed when n drops to 0 or running drops
}

func newIntake() *intake {
	return &intake{changed: make(chan struct{})}
}

// signal wakes the waiters; g.mu is held.
func (g *intake) signal() {
	close(g.changed)
	g.changed = make(chan struct{})
}

// begin notes a request in flight; end, that it finished.
func (g *intake) begin() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n++
}

func (g *intake) end() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n--
	if g.n == 0 {
		g.signal()
	}
}

// busy reports whether requests are in flight.
func (g *intake) busy() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n > 0
}

// yield waits until no request is in flight, at most yieldMax, or until
// stop is closed.
func (g *intake) yield(stop <-chan struct{}) {
	var t *time.Timer
	for {
		g.mu.Lock()
		n, changed := g.n, g.changed
		g.mu.Unlock()
		if n == 0 {
			return
		}
		if t == nil {
			t = time.NewTimer(yieldMax)
			defer t.Stop()
		}
		select {
		case <-changed:
		case <-t.C:
			return
		case <-stop:
			return
		}
	}
}

// enter waits for the turn of an inbox transaction: while requests are
// in flight, one at a time. It reports false when stop was closed first.
func (g *intake) enter(stop <-chan struct{}) bool {
	for {
		g.mu.Lock()
		if g.n == 0 || g.running == 0 {
			g.running++
			g.mu.Unlock()
			return true
		}
		changed := g.changed
		g.mu.Unlock()
		select {
		case <-changed:
		case <-stop:
			return false
		}
	}
}

// leave ends an inbox transaction's turn.
func (g *intake) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.running--
	g.signal()
}
