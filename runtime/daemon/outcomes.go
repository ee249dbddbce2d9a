package daemon

// This file defines the group commit of action outcomes: the actions a
// tenant performs at once finish at about the same time, and recording
// each outcome in a transaction of its own made those commits (an fsync
// each on SQLite, a dozen round trips each on PostgreSQL) the main cost
// of a busy action queue.

import (
	"context"
	"sync"

	"github.com/automat-rules/automat/runtime/engine"
)

// outcomes records action outcomes in groups: the first caller to find
// no commit running commits its outcome and every outcome queued while
// that commit ran, until the queue is empty; the others wait for the
// commit that took theirs. No goroutine of its own, so nothing to stop.
type outcomes struct {
	eng    func() *engine.Engine
	yield  func() // before a commit (nil: none); see intake.go
	mu     sync.Mutex
	queue  []*pendingOutcome
	active bool // a caller is committing
}

type pendingOutcome struct {
	engine.Outcome
	ctx  context.Context
	done chan error // buffered: the committer never waits
}

// complete records o, alone or with others, and returns when it is
// stored (nil) or failed to be (the error of its own transaction).
func (c *outcomes) complete(ctx context.Context, o engine.Outcome) error {
	p := &pendingOutcome{Outcome: o, ctx: ctx, done: make(chan error, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, p)
	if c.active {
		c.mu.Unlock()
		return <-p.done
	}
	c.active = true
	for len(c.queue) > 0 {
		if c.yield != nil {
			c.mu.Unlock()
			c.yield() // the outcomes that come meanwhile join the group
			c.mu.Lock()
		}
		group := c.queue
		c.queue = nil
		c.mu.Unlock()
		c.commit(group)
		c.mu.Lock()
	}
	c.active = false
	c.mu.Unlock()
	return <-p.done
}

// commit stores a group in one transaction; if that fails, each outcome
// in a transaction of its own, so that one outcome the engine refuses
// does not keep the others from being recorded.
func (c *outcomes) commit(group []*pendingOutcome) {
	eng := c.eng()
	if len(group) > 1 {
		outs := make([]engine.Outcome, len(group))
		for i, p := range group {
			outs[i] = p.Outcome
		}
		if err := eng.Complete(group[0].ctx, outs); err == nil {
			for _, p := range group {
				p.done <- nil
			}
			return
		}
	}
	for _, p := range group {
		p.done <- eng.Complete(p.ctx, []engine.Outcome{p.Outcome})
	}
}
