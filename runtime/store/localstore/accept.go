package localstore

// This file defines Accept and its group commit: Accepts that arrive
// while a commit is being synced wait for the next one, and all of them
// are stored by one transaction and one fsync.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/automat-rules/automat/runtime/store"
)

// maxGroup bounds the events one group commit stores.
const maxGroup = 2000

// An acceptReq is one call of Accept waiting for its group's commit.
type acceptReq struct {
	tenant string
	events []*store.Event
	fresh  []bool
	err    error
	done   chan struct{}
}

// acceptor runs the group commits of Accept in one goroutine.
type acceptor struct {
	mu      sync.RWMutex // held for reading while sending to reqs
	closed  bool
	reqs    chan *acceptReq
	stopped chan struct{}
}

var errClosed = errors.New("localstore: store closed")

func (a *acceptor) start(s *Store) {
	a.reqs = make(chan *acceptReq, 256)
	a.stopped = make(chan struct{})
	go a.run(s)
}

// stop lets the goroutine commit what is queued and waits for it.
func (a *acceptor) stop() {
	if a.reqs == nil {
		return
	}
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.reqs)
	}
	a.mu.Unlock()
	<-a.stopped
}

func (a *acceptor) run(s *Store) {
	defer close(a.stopped)
	for req := range a.reqs {
		group := []*acceptReq{req}
		n := len(req.events)
	more:
		for n < maxGroup {
			select {
			case r, ok := <-a.reqs:
				if !ok {
					break more
				}
				group = append(group, r)
				n += len(r.events)
			default:
				break more
			}
		}
		err := s.commitGroup(group)
		for _, r := range group {
			if err != nil {
				r.err, r.fresh = err, nil
			}
			close(r.done)
		}
	}
}

// commitGroup stores the events of a group of Accepts in one transaction.
func (s *Store) commitGroup(group []*acceptReq) error {
	ctx := context.Background()
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("localstore: begin: %w", err)
	}
	bound := make(map[string]*sql.Stmt)
	for _, r := range group {
		x := &tx{s: s, ctx: ctx, tx: sqlTx, bound: bound, tenant: r.tenant}
		r.fresh = make([]bool, len(r.events))
		for i, e := range r.events {
			if r.fresh[i], err = x.AddEvent(e); err != nil {
				sqlTx.Rollback()
				return err
			}
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("localstore: commit: %w", err)
	}
	return nil
}

// Accept implements store.Store: the events are in the file, synced, when
// it returns nil. Accepts from several goroutines share commits (and
// fsyncs); an error, including one from ctx, leaves it unknown whether
// the events were stored, and accepting them again is always safe.
func (s *Store) Accept(ctx context.Context, tenant string, events []*store.Event) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	req := &acceptReq{tenant: tenant, events: events, done: make(chan struct{})}
	a := &s.acc
	a.mu.RLock()
	if a.closed {
		a.mu.RUnlock()
		return nil, errClosed
	}
	select {
	case a.reqs <- req:
		a.mu.RUnlock()
	case <-ctx.Done():
		a.mu.RUnlock()
		return nil, ctx.Err()
	}
	select {
	case <-req.done:
		return req.fresh, req.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
