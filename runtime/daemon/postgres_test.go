package daemon

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/automat-rules/automat/internal/pgtest"
	"github.com/automat-rules/automat/runtime/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openPG opens the PostgreSQL store on a fresh database, closed when the
// test ends.
func openPG(t *testing.T, dsn string) store.Store {
	t.Helper()
	st, err := OpenStore(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestPostgres runs the daemon's end-to-end behaviour on PostgreSQL: the
// same events, repeats, once rules, actions, log and metrics as on the
// other stores, and a wait that fell due while the daemon was down
// continuing once, late.
func TestPostgres(t *testing.T) {
	t.Run("events", func(t *testing.T) { testEventsRunRules(t, openPG(t, pgtest.DSN(t))) })
	t.Run("wait due while down", func(t *testing.T) {
		dsn := pgtest.DSN(t)
		cfg := testConfig(t, rulesDir(t))
		st := openPG(t, dsn)
		h := start(t, cfg, st, nil, nil)
		h.post(acmeToken, orderEvent("w1", "order.updated", "O1", `"status": "waiting"`))
		eventually(t, "the run waiting", func() bool { return len(h.logOf(acmeToken, "kind=fired&rule=reminder")) == 1 })
		h.stop()
		st.Close()
		time.Sleep(1200 * time.Millisecond)
		h2 := start(t, cfg, openPG(t, dsn), nil, nil)
		eventually(t, "the wait continued", func() bool {
			return count(h2.logOf(acmeToken, "kind=action"), func(e *store.LogEntry) bool { return e.Action == "log" }) == 1
		})
		time.Sleep(100 * time.Millisecond)
		if n := count(h2.logOf(acmeToken, "rule=reminder"), func(e *store.LogEntry) bool {
			return e.Kind == store.KindFired && strings.HasPrefix(e.Message, "continued")
		}); n != 1 {
			t.Errorf("continued %d times, want once", n)
		}
	})
	t.Run("two daemons", func(t *testing.T) {
		dsn := pgtest.DSN(t)
		cfg := testConfig(t, rulesDir(t))
		h1 := start(t, cfg, openPG(t, dsn), nil, nil)
		h2 := start(t, cfg, openPG(t, dsn), nil, nil)
		const n = 40
		for i := range n {
			h := h1
			if i%2 == 1 {
				h = h2
			}
			h.post(acmeToken, orderEvent("e"+string(rune('a'+i%26))+strings.Repeat("x", i/26), "order.created", "O"+string(rune('A'+i%10)), ""))
		}
		eventually(t, "every event processed", func() bool {
			return count(h1.logOf(acmeToken, "kind=event&limit=1000"), func(*store.LogEntry) bool { return true }) == n
		})
		time.Sleep(300 * time.Millisecond)
		log := h1.logOf(acmeToken, "limit=1000")
		seen := make(map[string]int)
		for _, e := range log {
			if e.Kind == store.KindEvent {
				seen[e.Event]++
			}
		}
		for id, c := range seen {
			if c != 1 {
				t.Errorf("event %s processed %d times by two daemons, want once", id, c)
			}
		}
		// welcome is a once rule: one per order, whichever daemon took it.
		if c := count(log, func(e *store.LogEntry) bool { return e.Kind == store.KindFired && e.Rule == "welcome" }); c != 10 {
			t.Errorf("welcome fired %d times for 10 orders", c)
		}
		sent := 0
		for _, c := range []*fakeConn{h1.conn, h2.conn} {
			c.mu.Lock()
			for id, k := range c.seen {
				if strings.HasSuffix(id, "/welcome/0") {
					sent += k
				}
			}
			c.mu.Unlock()
		}
		if sent != 10 {
			t.Errorf("the welcome e-mail was performed %d times for 10 orders, want 10", sent)
		}
	})
}
