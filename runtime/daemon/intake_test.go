package daemon

import (
	"testing"
	"time"
)

// TestIntakeTurns checks that inbox transactions run side by side while
// no event request is in flight, and one at a time while one is.
func TestIntakeTurns(t *testing.T) {
	g := newIntake()
	stop := make(chan struct{})
	for range 2 {
		if !g.enter(stop) {
			t.Fatal("enter refused with no request in flight")
		}
	}
	g.leave()
	g.leave()

	g.begin() // a request in flight
	if !g.enter(stop) {
		t.Fatal("the first transaction has to wait for nothing")
	}
	second := make(chan bool, 1)
	go func() { second <- g.enter(stop) }()
	select {
	case <-second:
		t.Fatal("a second transaction started while a request was in flight")
	case <-time.After(50 * time.Millisecond):
	}
	g.leave() // the first ends: the second's turn
	if ok := <-second; !ok {
		t.Fatal("the second transaction did not get its turn")
	}
	third := make(chan bool, 1)
	go func() { third <- g.enter(stop) }()
	g.end() // no request in flight: no more waiting
	select {
	case ok := <-third:
		if !ok {
			t.Fatal("enter refused")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the request ended, and a transaction still waits")
	}
	g.leave()
	g.leave()

	g.begin()
	fourth := make(chan bool, 1)
	g.enter(stop)
	go func() { fourth <- g.enter(stop) }()
	close(stop)
	if ok := <-fourth; ok {
		t.Error("enter after stop reported true")
	}
}

// TestIntakeYield checks that a worker yields to requests in flight, but
// not for ever.
func TestIntakeYield(t *testing.T) {
	g := newIntake()
	stop := make(chan struct{})
	g.yield(stop) // idle: returns at once

	g.begin()
	done := make(chan struct{})
	go func() { g.yield(stop); close(done) }()
	select {
	case <-done:
		t.Fatal("yield returned at once with a request in flight")
	case <-time.After(yieldMax / 4):
	}
	g.end()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("yield did not return when the request ended")
	}

	g.begin() // a request that never ends
	defer g.end()
	done = make(chan struct{})
	go func() { g.yield(stop); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("yield waited for ever under a request that does not end")
	}
}
