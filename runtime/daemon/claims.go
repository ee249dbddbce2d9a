package daemon

import "sync"

// claims tracks the work items (inbox events, actions) a worker handed
// out, so that a later read of the store does not hand them out again.
//
// A finished item is forgotten only once a read that started after it
// finished has been swept: a read that started earlier may still list it
// (its transaction did not see the item's commit), and handing it out
// again would process it twice.
type claims struct {
	mu     sync.Mutex
	m      map[string]int64 // id → 0 while in progress, else its finish number
	n      int64            // finish numbers handed out
	active int
}

func newClaims() *claims { return &claims{m: make(map[string]int64)} }

// epoch returns the finish number before a read of the store starts.
func (c *claims) epoch() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// sweep forgets the items finished at or before epoch e, after a read
// that started at e.
func (c *claims) sweep(e int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, n := range c.m {
		if n > 0 && n <= e {
			delete(c.m, id)
		}
	}
}

// claim marks id in progress; it reports false when id is in progress or
// finished but not yet swept.
func (c *claims) claim(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[id]; ok {
		return false
	}
	c.m[id] = 0
	c.active++
	return true
}

// finish marks id done and returns how many items are still in progress.
func (c *claims) finish(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	c.m[id] = c.n
	c.active--
	return c.active
}

// inFlight returns how many items are in progress.
func (c *claims) inFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.active
}
