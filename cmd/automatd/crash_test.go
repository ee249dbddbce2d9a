package main

// This file holds the crash tests: automatd runs as a child process (this
// test binary, re-executed), on the embedded store and on PostgreSQL, and
// is killed with SIGKILL while a load generator sends events; at the end
// every event that got a 202 is in the log exactly once, no `once` rule
// fired twice, no schedule tick ran twice, no wait was lost, every state
// change has its queued action, and the outbox (an idempotent receiver)
// saw every due action. On PostgreSQL, two daemons share one database and
// are killed in turn.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/automat-rules/automat/internal/pgtest"
	"github.com/automat-rules/automat/runtime/daemon"
	"github.com/automat-rules/automat/runtime/store"
	"github.com/jackc/pgx/v5"
)

const (
	crashChildEnv = "AUTOMATD_CRASH_CHILD" // run automatd instead of the tests
	crashHookEnv  = "AUTOMATD_CRASH_HOOK"  // "before" or "after": kill itself around the first outside action
	crashToken    = "crash-token-0123456789"
)

// crashChild is automatd in a child process. With $AUTOMATD_CRASH_HOOK it
// performs outside actions through a connector that kills its own process
// just before or just after the first one is performed (once: a marker
// file remembers it).
func crashChild() int {
	e := &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	if hook := os.Getenv(crashHookEnv); hook != "" {
		e.options = func(o *daemon.Options) {
			o.Connectors = func(tenant string) (daemon.Connector, error) {
				return &crashConn{out: &daemon.Outbox{File: os.Getenv("OUTBOX"), Tenant: tenant}, hook: hook, marker: os.Getenv("MARKER")}, nil
			}
		}
	}
	return runEnv(e, os.Args[1:])
}

type crashConn struct {
	out    *daemon.Outbox
	hook   string
	marker string
}

func (c *crashConn) Perform(ctx context.Context, r *daemon.Request) daemon.Result {
	if c.hook == "before" {
		c.die()
	}
	res := c.out.Perform(ctx, r)
	if c.hook == "after" {
		c.die()
	}
	return res
}

// die kills the process the first time it is called in a test.
func (c *crashConn) die() {
	if _, err := os.Stat(c.marker); err == nil {
		return
	}
	os.WriteFile(c.marker, nil, 0o644)
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way
}

// child is automatd running in a child process.
type child struct {
	t    *testing.T
	args []string
	env  []string
	addr string
	cmd  *exec.Cmd
	errs *bytes.Buffer
	runs int
}

func (c *child) start() {
	c.t.Helper()
	c.cmd = exec.Command(os.Args[0], c.args...)
	c.cmd.Env = append(append(os.Environ(), crashChildEnv+"=1"), c.env...)
	c.errs = new(bytes.Buffer)
	c.cmd.Stderr = c.errs
	if err := c.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.runs++
}

// waitReady waits until the child answers /readyz (or died: then it
// reports false).
func (c *child) waitReady() bool {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + c.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return true
			}
		}
		if c.cmd.ProcessState != nil {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("automatd did not get ready; stderr:\n%s", c.errs)
	return false
}

// kill9 kills the child with SIGKILL and reaps it.
func (c *child) kill9() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

// wait waits for a child that is expected to exit (it killed itself).
func (c *child) wait() {
	c.cmd.Wait()
}

// term stops the child gracefully and wants exit code 0.
func (c *child) term() {
	c.t.Helper()
	c.cmd.Process.Signal(syscall.SIGTERM)
	if err := c.cmd.Wait(); err != nil {
		c.t.Errorf("automatd after SIGTERM: %v; stderr:\n%s", err, c.errs)
	}
}

// get fetches an API path as the test tenant.
func (c *child) get(path string, v any) error {
	req, _ := http.NewRequest("GET", "http://"+c.addr+path, nil)
	req.Header.Set("Authorization", "Bearer "+crashToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// log returns the tenant's whole log.
func (c *child) log() ([]*store.LogEntry, error) {
	var all []*store.LogEntry
	cursor := ""
	for {
		var page struct {
			Entries    []*store.LogEntry `json:"entries"`
			NextCursor string            `json:"next_cursor"`
		}
		if err := c.get("/v1/log?limit=1000&cursor="+cursor, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Entries...)
		if page.NextCursor == "" {
			return all, nil
		}
		cursor = page.NextCursor
	}
}

const crashRules = `ruleset "crash"

rule "welcome"
on order.created
when order.total > 0 once
do
  email(to: order.buyer.email, template: "welcome")
  wait 1s
  notify(user: "sales", text: "Order {order.number}")

rule "paid"
on order.paid
when order.paid = paid once
do
  webhook(url: "https://hooks.example/paid")

rule "tick"
on schedule "@every 1s"
when order.total < 5 always
do
  log(text: "tick {order.number}")
`

// tickOrder is the one order the tick rule fires on (its total is below
// 5), so that every schedule tick leaves one fired entry in the log.
const tickOrder = "TICK"

// crashStores are the stores the crash tests run on: the embedded one (a
// file next to the configuration) and PostgreSQL (a fresh database).
var crashStores = []struct {
	name string
	url  func(*testing.T) string
}{
	{"sqlite", func(*testing.T) string { return "sqlite:automat.db" }},
	{"postgres", func(t *testing.T) string { return pgtest.DSN(t) }},
}

// crashSetup writes the rules and a configuration file for the store at
// url, and returns the child (not started).
func crashSetup(t *testing.T, url string, extraEnv ...string) (*child, string) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules", "crash.rules"), []byte(crashRules), 0o644); err != nil {
		t.Fatal(err)
	}
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`listen: %s
store: %q
tenants:
  - name: acme
    token_env: ACME_TOKEN
    rules: rules
connectors:
  outbox: {file: outbox.jsonl}
retry: {backoff: 50ms, max_backoff: 200ms, timeout: 2s}
`, addr, url)
	if err := os.WriteFile(filepath.Join(dir, "automat.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append([]string{"ACME_TOKEN=" + crashToken, "OUTBOX=" + filepath.Join(dir, "outbox.jsonl"),
		"MARKER=" + filepath.Join(dir, "marker")}, extraEnv...)
	return &child{t: t, addr: addr, env: env,
		args: []string{"--config", filepath.Join(dir, "automat.yaml"), "--log-level", "warn"}}, dir
}

// twin returns a second daemon with c's configuration, listening on
// another address (not started).
func (c *child) twin() *child {
	c.t.Helper()
	addr, err := freeAddr()
	if err != nil {
		c.t.Fatal(err)
	}
	return &child{t: c.t, addr: addr, env: c.env, args: append(append([]string(nil), c.args...), "--listen", addr)}
}

func orderJSON(id, typ, order string, sec int, paid string) []byte {
	total := "120.50"
	if order == tickOrder {
		total = "1.00"
	}
	return fmt.Appendf(nil, `{"id": %q, "type": %q, "at": "2026-11-22T10:%02d:%02dZ", "record": {"type": "order", "id": %q,
 "data": {"id": %q, "number": "N%s", "total": %q, "paid": %q, "buyer": {"name": "Jan", "email": "jan@example.cz"}}}}`,
		id, typ, sec/60%60, sec%60, order, order, order, total, paid)
}

// post sends a body until it gets an answer other than a connection
// error or a 503 (the daemon is down or restarting), trying the daemons
// at addrs in turn; it returns the status.
func post(addrs []string, body []byte, stop <-chan struct{}) int {
	client := &http.Client{Timeout: 5 * time.Second}
	for i := 0; ; i++ {
		addr := addrs[i%len(addrs)]
		req, _ := http.NewRequest("POST", "http://"+addr+"/v1/events", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+crashToken)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable {
				return resp.StatusCode
			}
		}
		select {
		case <-stop:
			return 0
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// outboxKeys reads the outbox file: how often each idempotency key was
// delivered.
func outboxKeys(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := make(map[string]int)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("outbox line %q: %v", sc.Text(), err)
		}
		keys[line.ID]++
	}
	return keys
}

// quiesce waits until the daemon has processed every accepted event and
// finished every run and action, and returns the log.
func (c *child) quiesce(events, orders int) []*store.LogEntry {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		// The queue first, then the log: an action done after the log was
		// read would otherwise be missing from it though none is pending.
		var pending struct {
			Actions []json.RawMessage `json:"actions"`
		}
		err := c.get("/v1/actions?state=pending", &pending)
		var log []*store.LogEntry
		if err == nil {
			log, err = c.log()
		}
		if err == nil {
			n, notified := 0, 0
			for _, e := range log {
				if e.Kind == store.KindEvent {
					n++
				}
				if e.Action == "notify" {
					notified++
				}
			}
			if n >= events && notified >= orders && len(pending.Actions) == 0 {
				return log
			}
			if time.Now().After(deadline) {
				c.t.Fatalf("not quiet after 60 s: %d of %d events, %d of %d notified, %d actions pending", n, events, notified, orders, len(pending.Actions))
			}
		} else if time.Now().After(deadline) {
			c.t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// loadGen is the load of the crash tests: clients that each send, order
// after order, a created and a paid event (every fourth order as a batch
// of both), and remember which events got a 202.
type loadGen struct {
	t      *testing.T
	mu     sync.Mutex
	acked  map[string]bool
	orders map[string]bool // orders whose created event got a 202
	stop   chan struct{}
	wg     sync.WaitGroup
}

// startLoad sends the tick order, then starts the clients; client g
// sends to addrs[g mod len(addrs)] first and to the others while that
// one is down.
func startLoad(t *testing.T, addrs []string, clients int) *loadGen {
	l := &loadGen{t: t, acked: map[string]bool{}, orders: map[string]bool{}, stop: make(chan struct{})}
	if !l.send(addrs, [][]byte{orderJSON("c-"+tickOrder, "order.created", tickOrder, 0, "unpaid")}, [][]string{{"c-" + tickOrder}}) {
		t.FailNow()
	}
	for g := range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			mine := append(append([]string(nil), addrs[g%len(addrs):]...), addrs[:g%len(addrs)]...)
			for i := 0; ; i++ {
				select {
				case <-l.stop:
					if i >= 20 {
						return
					}
				default:
				}
				order := fmt.Sprintf("O%d-%d", g, i)
				created := orderJSON("c-"+order, "order.created", order, i, "unpaid")
				paid := orderJSON("p-"+order, "order.paid", order, i+1, "paid")
				var ok bool
				if i%4 == 0 { // a batch of both
					ok = l.send(mine, [][]byte{[]byte(`{"events": [` + string(created) + `,` + string(paid) + `]}`)},
						[][]string{{"c-" + order, "p-" + order}})
				} else {
					ok = l.send(mine, [][]byte{created, paid}, [][]string{{"c-" + order}, {"p-" + order}})
				}
				if !ok {
					return
				}
			}
		}()
	}
	return l
}

// send posts the bodies in order and records the events of each that got
// a 202; it reports false after any other answer.
func (l *loadGen) send(addrs []string, bodies [][]byte, ids [][]string) bool {
	for k, b := range bodies {
		if code := post(addrs, b, nil); code != http.StatusAccepted {
			l.t.Errorf("POST %v: %d", ids[k], code)
			return false
		}
		l.mu.Lock()
		for _, id := range ids[k] {
			l.acked[id] = true
			if order, ok := strings.CutPrefix(id, "c-"); ok {
				l.orders[order] = true
			}
		}
		l.mu.Unlock()
	}
	return true
}

// finish stops the clients once each sent at least 20 orders.
func (l *loadGen) finish() {
	close(l.stop)
	l.wg.Wait()
}

// verdict is what the checks of a crash test found beyond errors.
type verdict struct {
	delivered, repeats int         // outside actions delivered; delivered again after a crash
	ticks              []time.Time // the schedule ticks that ran, in order
}

// check checks the log and the outbox at the end of a crash test, and
// reports errors for every guarantee broken.
func (l *loadGen) check(log []*store.LogEntry, outbox map[string]int) verdict {
	t := l.t
	t.Helper()
	events := map[string]int{}
	fired := map[string]int{}     // once rule + record → runs started
	ticked := map[string]int{}    // tick + record → runs started
	continued := map[string]int{} // record → runs continued after the wait
	doneActions := map[string]int{}
	for _, e := range log {
		switch {
		case e.Kind == store.KindEvent:
			events[e.Event]++
		case e.Kind == store.KindFired && e.Rule == "tick":
			ticked[e.Event+" "+e.Record.ID]++
		case e.Kind == store.KindFired && e.Message == "":
			fired[e.Rule+" "+e.Record.ID]++
		case e.Kind == store.KindFired:
			continued[e.Record.ID]++
		case e.Kind == store.KindAction && e.State == store.Done:
			doneActions[e.ActionID]++
		case e.Kind == store.KindStopped, e.Kind == store.KindError:
			t.Errorf("unexpected %s entry: %+v", e.Kind, e)
		}
	}
	// Every accepted event is in the log exactly once.
	for id := range l.acked {
		if events[id] != 1 {
			t.Errorf("event %s is in the log %d times, want once", id, events[id])
		}
	}
	for id, n := range events {
		if !l.acked[id] && n != 1 { // sent when the daemon died: may be there, once
			t.Errorf("unacknowledged event %s is in the log %d times", id, n)
		}
	}
	// No once rule fired twice; every created order fired welcome and got
	// its wait continued, once.
	for key, n := range fired {
		if n != 1 {
			t.Errorf("once rule fired %d times: %s", n, key)
		}
	}
	for order := range l.orders {
		if fired["welcome "+order] != 1 || continued[order] != 1 {
			t.Errorf("order %s: welcome fired %d times, continued %d times; want once each", order, fired["welcome "+order], continued[order])
		}
	}
	// Every schedule tick ran once: one fired entry for the tick order.
	var v verdict
	for key, n := range ticked {
		ev, order, _ := strings.Cut(key, " ")
		if n != 1 || order != tickOrder {
			t.Errorf("tick %s fired %d times on %s, want once on %s", ev, n, order, tickOrder)
		}
		at, err := time.Parse(time.RFC3339, strings.TrimPrefix(ev, "schedule@"))
		if err != nil {
			t.Errorf("tick event %q: %v", ev, err)
		}
		v.ticks = append(v.ticks, at)
	}
	slices.SortFunc(v.ticks, time.Time.Compare)
	// Every run that started has the action it queued in the same
	// transaction (a state change and its enqueue: both or neither).
	for key := range fired {
		rule, order, _ := strings.Cut(key, " ")
		ev := "c-" + order
		if rule == "paid" {
			ev = "p-" + order
		}
		if id := ev + "/order/" + order + "/" + rule + "/0"; doneActions[id] != 1 {
			t.Errorf("run %s fired, but its action %s is done %d times", key, id, doneActions[id])
		}
	}
	// Every queued outside action was done once, and the outbox (the
	// idempotent receiver) has every one of them.
	for id, n := range doneActions {
		if n != 1 {
			t.Errorf("action %s done %d times in the log", id, n)
		}
		if strings.Contains(id, "/welcome/0") || strings.Contains(id, "/paid/0") {
			if outbox[id] == 0 {
				t.Errorf("action %s is done but the outbox never got it", id)
			}
			v.repeats += outbox[id] - 1
		}
	}
	for id := range outbox {
		if doneActions[id] == 0 {
			t.Errorf("the outbox got %s, which is not done", id)
		}
	}
	v.delivered = len(outbox)
	return v
}

// TestCrashUnderLoad kills automatd with SIGKILL four times while two
// clients send events, restarting it each time, on each store.
func TestCrashUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	for _, st := range crashStores {
		t.Run(st.name, func(t *testing.T) {
			c, dir := crashSetup(t, st.url(t))
			c.start()
			c.waitReady()
			l := startLoad(t, []string{c.addr}, 2)
			for k := range 4 {
				time.Sleep(time.Duration(400+150*k) * time.Millisecond)
				c.kill9()
				c.start()
				c.waitReady()
			}
			l.finish()
			log := c.quiesce(len(l.acked), len(l.orders))
			c.term()
			v := l.check(log, outboxKeys(t, filepath.Join(dir, "outbox.jsonl")))
			t.Logf("%d events accepted for %d orders; automatd started %d times; %d ticks", len(l.acked), len(l.orders), c.runs, len(v.ticks))
			t.Logf("%d outside actions delivered, %d delivered again after a crash (deduplicated by key)", v.delivered, v.repeats)
		})
	}
}

// TestTwoDaemons runs two daemons on one PostgreSQL database under load
// and kills them in turn, each restarted at once: they share the events,
// the waits, the actions and the schedule without doing anything twice,
// and while one is down the other goes on. At the end the schedule's
// leader is killed for good, and the other daemon takes over its ticks
// within the lease.
func TestTwoDaemons(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	dsn := pgtest.DSN(t)
	a, dir := crashSetup(t, dsn)
	b := a.twin()
	a.start()
	b.start()
	a.waitReady()
	b.waitReady()
	l := startLoad(t, []string{a.addr, b.addr}, 4)
	const kills = 4
	for k := range kills {
		time.Sleep(time.Duration(500+150*k) * time.Millisecond)
		c := []*child{a, b}[k%2]
		c.kill9()
		c.start()
		c.waitReady()
	}
	l.finish()
	a.quiesce(len(l.acked), len(l.orders))

	// The leader of the ticks is killed; the other one takes over.
	holder := leaseHolder(t, dsn, "schedule/acme")
	leader, other := a, b
	if strings.HasSuffix(holder, " "+b.addr) {
		leader, other = b, a
	} else if !strings.HasSuffix(holder, " "+a.addr) {
		t.Fatalf("the schedule lease is held by %q, neither daemon", holder)
	}
	leader.kill9()
	killed := time.Now()
	var takeover time.Duration
	for takeover == 0 && time.Since(killed) < 30*time.Second {
		time.Sleep(250 * time.Millisecond)
		if h := leaseHolder(t, dsn, "schedule/acme"); strings.HasSuffix(h, " "+other.addr) {
			takeover = time.Since(killed)
		}
	}
	time.Sleep(2 * time.Second) // a few ticks of the new leader
	log := other.quiesce(len(l.acked), len(l.orders))
	other.term()

	v := l.check(log, outboxKeys(t, filepath.Join(dir, "outbox.jsonl")))
	// A repeat delivery comes only from a daemon killed after performing
	// an action and before recording it: at most its slots per kill.
	if v.repeats > (kills+1)*8 {
		t.Errorf("%d deliveries repeated after %d kills: more than the actions in flight", v.repeats, kills+1)
	}
	// The schedule went on while either daemon was restarting (a
	// restarted leader takes its lease back at once), and the survivor
	// took over within the lease of 10 s.
	var gap, lastGap time.Duration
	for i := 1; i < len(v.ticks); i++ {
		g := v.ticks[i].Sub(v.ticks[i-1])
		if v.ticks[i].Before(killed) {
			gap = max(gap, g)
		} else {
			lastGap = max(lastGap, g)
		}
	}
	if len(v.ticks) < 3 || gap > 6*time.Second {
		t.Errorf("%d ticks, longest gap %s while the daemons were killed and restarted: want one about every second", len(v.ticks), gap)
	}
	// Within the lease (10 s after the leader's last tick) and the next
	// tick (1 s), with slack for a loaded machine (CI runs other packages'
	// tests at the same time).
	if takeover == 0 || takeover > 15*time.Second || lastGap > 16*time.Second || !v.ticks[len(v.ticks)-1].After(killed) {
		t.Errorf("the leader was killed: takeover after %s, gap %s, last tick %s", takeover, lastGap, v.ticks[len(v.ticks)-1])
	}
	t.Logf("%d events accepted for %d orders by two daemons killed %d times in turn; %d ticks, longest gap %s",
		len(l.acked), len(l.orders), kills, len(v.ticks), gap)
	t.Logf("the leader killed for good: the other took the schedule over after %s (gap %s)", takeover.Round(time.Millisecond), lastGap)
	t.Logf("%d outside actions delivered, %d delivered again after a kill (deduplicated by key)", v.delivered, v.repeats)
}

// leaseHolder reads who holds a lease (pgstore's leases table).
func leaseHolder(t *testing.T, dsn, name string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var holder string
	if err := conn.QueryRow(ctx, `SELECT holder FROM leases WHERE name = $1`, name).Scan(&holder); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		t.Fatal(err)
	}
	return holder
}

// TestCrashAroundAction kills automatd just before, then just after, an
// outside action is performed: after the restart it is performed (again),
// recorded done once, and the run continues once; on each store.
func TestCrashAroundAction(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	for _, st := range crashStores {
		for _, tc := range []struct {
			hook       string
			deliveries int
		}{
			{"before", 1}, // never reached the receiver: performed once, after the restart
			{"after", 2},  // reached it, not recorded: performed again; the key deduplicates
		} {
			t.Run(st.name+"/"+tc.hook, func(t *testing.T) {
				c, dir := crashSetup(t, st.url(t), crashHookEnv+"="+tc.hook)
				c.start()
				c.waitReady()
				if code := post([]string{c.addr}, orderJSON("c-1", "order.created", "O1", 0, "unpaid"), nil); code != 202 {
					t.Fatalf("POST: %d", code)
				}
				c.wait() // it killed itself at the action
				if _, err := os.Stat(filepath.Join(dir, "marker")); err != nil {
					t.Fatalf("automatd did not die at the action: %v\n%s", err, c.errs)
				}
				c.start()
				c.waitReady()
				log := c.quiesce(1, 1)
				c.term()
				id := "c-1/order/O1/welcome/0"
				if n := outboxKeys(t, filepath.Join(dir, "outbox.jsonl"))[id]; n != tc.deliveries {
					t.Errorf("the receiver got %s %d times, want %d", id, n, tc.deliveries)
				}
				done, cont := 0, 0
				for _, e := range log {
					if e.ActionID == id && e.State == store.Done {
						done++
					}
					if e.Kind == store.KindFired && e.Message != "" {
						cont++
					}
				}
				if done != 1 || cont != 1 {
					t.Errorf("done %d times, continued %d times; want once each", done, cont)
				}
			})
		}
	}
}
