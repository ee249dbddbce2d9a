package main

// This file holds the crash tests of issue 6: automatd runs as a child
// process (this test binary, re-executed) on the embedded store and is
// killed with SIGKILL while a load generator sends events; at the end
// every event that got a 202 is in the log exactly once, no `once` rule
// fired twice, no wait was lost, every state change has its queued action,
// and the outbox (an idempotent receiver) saw every due action.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/automat-rules/automat/runtime/daemon"
	"github.com/automat-rules/automat/runtime/store"
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
`

// crashSetup writes the rules and a configuration file, and returns the
// child (not started).
func crashSetup(t *testing.T, extraEnv ...string) (*child, string) {
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
store: sqlite:automat.db
tenants:
  - name: acme
    token_env: ACME_TOKEN
    rules: rules
connectors:
  outbox: {file: outbox.jsonl}
retry: {backoff: 50ms, max_backoff: 200ms}
`, addr)
	if err := os.WriteFile(filepath.Join(dir, "automat.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append([]string{"ACME_TOKEN=" + crashToken, "OUTBOX=" + filepath.Join(dir, "outbox.jsonl"),
		"MARKER=" + filepath.Join(dir, "marker")}, extraEnv...)
	return &child{t: t, addr: addr, env: env,
		args: []string{"--config", filepath.Join(dir, "automat.yaml"), "--log-level", "warn"}}, dir
}

func orderJSON(id, typ, order string, sec int, paid string) []byte {
	return fmt.Appendf(nil, `{"id": %q, "type": %q, "at": "2026-11-22T10:%02d:%02dZ", "record": {"type": "order", "id": %q,
 "data": {"id": %q, "number": "N%s", "total": "120.50", "paid": %q, "buyer": {"name": "Jan", "email": "jan@example.cz"}}}}`,
		id, typ, sec/60%60, sec%60, order, order, order, paid)
}

// post sends a body until it gets an answer other than a connection
// error or a 503 (the daemon is down or restarting); it returns the
// status.
func post(addr string, body []byte, stop <-chan struct{}) int {
	client := &http.Client{Timeout: 5 * time.Second}
	for {
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
		log, err := c.log()
		var pending struct {
			Actions []json.RawMessage `json:"actions"`
		}
		if err == nil {
			err = c.get("/v1/actions?state=pending", &pending)
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

// TestCrashUnderLoad kills automatd with SIGKILL four times while two
// clients send events, restarting it each time.
func TestCrashUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	c, dir := crashSetup(t)
	c.start()
	c.waitReady()

	var mu sync.Mutex
	acked := map[string]bool{}
	orders := map[string]bool{} // orders whose created event got a 202
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					if i >= 20 {
						return
					}
				default:
				}
				order := fmt.Sprintf("O%d-%d", g, i)
				created := orderJSON("c-"+order, "order.created", order, i, "unpaid")
				paid := orderJSON("p-"+order, "order.paid", order, i+1, "paid")
				var bodies [][]byte
				var ids [][]string
				if i%4 == 0 { // a batch of both
					bodies = append(bodies, []byte(`{"events": [`+string(created)+`,`+string(paid)+`]}`))
					ids = append(ids, []string{"c-" + order, "p-" + order})
				} else {
					bodies = append(bodies, created, paid)
					ids = append(ids, []string{"c-" + order}, []string{"p-" + order})
				}
				for k, b := range bodies {
					code := post(c.addr, b, nil)
					if code != http.StatusAccepted {
						t.Errorf("POST %v: %d", ids[k], code)
						return
					}
					mu.Lock()
					for _, id := range ids[k] {
						acked[id] = true
						if strings.HasPrefix(id, "c-") {
							orders[strings.TrimPrefix(id, "c-")] = true
						}
					}
					mu.Unlock()
				}
			}
		}()
	}
	for k := range 4 {
		time.Sleep(time.Duration(400+150*k) * time.Millisecond)
		c.kill9()
		c.start()
		c.waitReady()
	}
	close(stop)
	wg.Wait()
	log := c.quiesce(len(acked), len(orders))
	c.term()
	t.Logf("%d events accepted for %d orders; automatd started %d times", len(acked), len(orders), c.runs)

	// Every accepted event is in the log exactly once.
	events := map[string]int{}
	fired := map[string]int{}     // rule + record → runs started
	continued := map[string]int{} // record → runs continued after the wait
	doneActions := map[string]int{}
	for _, e := range log {
		switch {
		case e.Kind == store.KindEvent:
			events[e.Event]++
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
	for id := range acked {
		if events[id] != 1 {
			t.Errorf("event %s is in the log %d times, want once", id, events[id])
		}
	}
	for id, n := range events {
		if !acked[id] && n != 1 { // sent when the daemon died: may be there, once
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
	for order := range orders {
		if fired["welcome "+order] != 1 || continued[order] != 1 {
			t.Errorf("order %s: welcome fired %d times, continued %d times; want once each", order, fired["welcome "+order], continued[order])
		}
	}
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
	keys := outboxKeys(t, filepath.Join(dir, "outbox.jsonl"))
	repeats := 0
	for id, n := range doneActions {
		if n != 1 {
			t.Errorf("action %s done %d times in the log", id, n)
		}
		if strings.Contains(id, "/welcome/0") || strings.Contains(id, "/paid/0") {
			if keys[id] == 0 {
				t.Errorf("action %s is done but the outbox never got it", id)
			}
			repeats += keys[id] - 1
		}
	}
	for id := range keys {
		if doneActions[id] == 0 {
			t.Errorf("the outbox got %s, which is not done", id)
		}
	}
	t.Logf("%d outside actions delivered, %d delivered again after a crash (deduplicated by key)", len(keys), repeats)
}

// TestCrashAroundAction kills automatd just before, then just after, an
// outside action is performed: after the restart it is performed (again),
// recorded done once, and the run continues once.
func TestCrashAroundAction(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	for _, tc := range []struct {
		hook       string
		deliveries int
	}{
		{"before", 1}, // never reached the receiver: performed once, after the restart
		{"after", 2},  // reached it, not recorded: performed again; the key deduplicates
	} {
		t.Run(tc.hook, func(t *testing.T) {
			c, dir := crashSetup(t, crashHookEnv+"="+tc.hook)
			c.start()
			c.waitReady()
			if code := post(c.addr, orderJSON("c-1", "order.created", "O1", 0, "unpaid"), nil); code != 202 {
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
