package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/store/localstore"
	"github.com/automat-rules/automat/runtime/store/memstore"
)

const (
	acmeToken = "acme-token-0123456789"
	betaToken = "beta-token-0123456789"
)

// fakeConn is a connector that records what it performed and fails as
// told.
type fakeConn struct {
	mu   sync.Mutex
	seen map[string]int // idempotency key → attempts
	fail func(a *store.Action) Result
}

func (c *fakeConn) Perform(ctx context.Context, r *Request) Result {
	c.mu.Lock()
	if c.seen == nil {
		c.seen = make(map[string]int)
	}
	c.seen[r.Action.ID]++
	fail := c.fail
	c.mu.Unlock()
	if fail != nil {
		if res := fail(r.Action); res.Class != OK {
			return res
		}
	}
	return Result{Class: OK, Output: json.RawMessage(`{"sent":true}`)}
}

func (c *fakeConn) setFail(f func(a *store.Action) Result) {
	c.mu.Lock()
	c.fail = f
	c.mu.Unlock()
}

func (c *fakeConn) attempts(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[id]
}

type harness struct {
	t     *testing.T
	d     *Daemon
	srv   *httptest.Server
	store store.Store
	conn  *fakeConn
}

// testConfig returns a resolved configuration with tenants acme and beta
// on the rules in dir.
func testConfig(t *testing.T, dir string) *Config {
	t.Helper()
	cfg := &Config{
		Store: "memory:",
		Tenants: []TenantConfig{
			{Name: "acme", Rules: dir, Tokens: []string{acmeToken}},
			{Name: "beta", Rules: dir, Tokens: []string{betaToken}},
		},
		Retry:  RetryConfig{MaxAttempts: 3, Backoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond},
		Limits: LimitsConfig{MaxBody: 64 << 10, MaxDepth: 16, MaxBatch: 50},
	}
	if err := cfg.Resolve(nil); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func rulesDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/shop.rules")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "shop.rules"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// start runs a daemon on st (a new memstore when nil) behind a real
// listener.
func start(t *testing.T, cfg *Config, st store.Store, conn *fakeConn, tweak func(*Options)) *harness {
	t.Helper()
	if st == nil {
		st = memstore.New()
	}
	if conn == nil {
		conn = &fakeConn{}
	}
	opts := Options{
		Logger:     slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Store:      st,
		Connectors: func(string) (Connector, error) { return conn, nil },
		Poll:       20 * time.Millisecond,
		Watch:      -1,
		Grace:      5 * time.Second,
		Rand:       func() float64 { return 0.5 },
		OnBug:      func(where string, v any) { t.Errorf("internal error in %s: %v", where, v) },
	}
	if tweak != nil {
		tweak(&opts)
	}
	d, err := New(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	d.Start()
	h := &harness{t: t, d: d, srv: httptest.NewServer(d.Handler()), store: st, conn: conn}
	t.Cleanup(h.stop)
	return h
}

func (h *harness) stop() {
	h.srv.Close()
	if err := h.d.Stop(); err != nil {
		h.t.Error(err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// do sends a request and returns the status and the body.
func (h *harness) do(method, path, token string, body []byte) (int, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, data
}

// post sends events and wants 202.
func (h *harness) post(token string, body string) {
	h.t.Helper()
	code, resp := h.do("POST", "/v1/events", token, []byte(body))
	if code != http.StatusAccepted {
		h.t.Fatalf("POST /v1/events: %d %s\nbody: %s", code, resp, body)
	}
}

// logOf returns the whole log of tenant (newest first) through the API.
func (h *harness) logOf(token, query string) []*store.LogEntry {
	h.t.Helper()
	var all []*store.LogEntry
	cursor := ""
	for {
		q := query
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		code, body := h.do("GET", "/v1/log?"+q, token, nil)
		if code != http.StatusOK {
			h.t.Fatalf("GET /v1/log?%s: %d %s", q, code, body)
		}
		var page struct {
			Entries    []*store.LogEntry `json:"entries"`
			NextCursor string            `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			h.t.Fatal(err)
		}
		all = append(all, page.Entries...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
}

// eventually polls cond until it holds or the time is up.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func orderEvent(id, typ, order string, fields string) string {
	data := `"id": "` + order + `", "number": "N-` + order + `", "total": 120, "buyer": {"name": "Jan", "email": "jan@example.cz"}`
	if fields != "" {
		data += ", " + fields
	}
	return fmt.Sprintf(`{"id": %q, "type": %q, "at": "2026-11-22T10:00:00Z", "record": {"type": "order", "id": %q, "data": {%s}}}`, id, typ, order, data)
}

func count(entries []*store.LogEntry, f func(*store.LogEntry) bool) int {
	n := 0
	for _, e := range entries {
		if f(e) {
			n++
		}
	}
	return n
}

func TestEventsRunRules(t *testing.T) {
	t.Run("memstore", func(t *testing.T) { testEventsRunRules(t, memstore.New()) })
	t.Run("localstore", func(t *testing.T) { testEventsRunRules(t, openLocal(t, filepath.Join(t.TempDir(), "a.db"))) })
}

// openLocal opens the embedded store at path, closed when the test ends.
func openLocal(t *testing.T, path string) store.Store {
	t.Helper()
	st, err := localstore.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func testEventsRunRules(t *testing.T, st store.Store) {
	h := start(t, testConfig(t, rulesDir(t)), st, nil, nil)
	h.post(acmeToken, orderEvent("e1", "order.created", "O1", ""))
	// A batch, with a repeated id and the same record created again: the
	// once rule does not fire again.
	code, body := h.do("POST", "/v1/events", acmeToken, []byte(`{"events": [`+
		orderEvent("e1", "order.created", "O1", "")+`,`+
		orderEvent("e2", "order.created", "O1", "")+`,`+
		orderEvent("e3", "order.paid", "O1", `"paid": "paid"`)+`]}`))
	if code != http.StatusAccepted || !strings.Contains(string(body), `"new":2`) || !strings.Contains(string(body), `"repeated":["e1"]`) {
		t.Fatalf("batch: %d %s", code, body)
	}
	eventually(t, "the webhook and the notify", func() bool {
		log := h.logOf(acmeToken, "kind=action")
		return count(log, func(e *store.LogEntry) bool { return e.Action == "notify" }) == 1 &&
			count(log, func(e *store.LogEntry) bool { return e.Action == "webhook" && e.State == store.Done }) == 1
	})
	log := h.logOf(acmeToken, "")
	if n := count(log, func(e *store.LogEntry) bool { return e.Kind == store.KindEvent }); n != 3 {
		t.Errorf("%d event entries, want 3 (e1 once, e2, e3)", n)
	}
	if n := count(log, func(e *store.LogEntry) bool { return e.Kind == store.KindFired && e.Rule == "welcome" }); n != 1 {
		t.Errorf("welcome fired %d times, want once", n)
	}
	fired := h.logOf(acmeToken, "kind=fired&rule=welcome")
	if len(fired) != 1 || len(fired[0].Clauses) != 1 || string(fired[0].Clauses[0].Value) != "true" {
		t.Errorf("fired entry without its clause values: %+v", fired)
	}
	if h.conn.attempts("e1/order/O1/welcome/0") != 1 {
		t.Errorf("the e-mail was performed %d times, want 1", h.conn.attempts("e1/order/O1/welcome/0"))
	}
	code, body = h.do("GET", "/v1/actions?state=done", acmeToken, nil)
	if code != 200 || !strings.Contains(string(body), `"action":"email"`) || !strings.Contains(string(body), `"action":"notify"`) {
		t.Errorf("GET /v1/actions?state=done: %d %s", code, body)
	}
	code, body = h.do("GET", "/metrics", "", nil)
	for _, want := range []string{
		`automat_events_received_total{result="new",tenant="acme"} 3`,
		`automat_events_received_total{result="repeated",tenant="acme"} 1`,
		`automat_rule_fires_total{rule="welcome",tenant="acme"} 1`,
		`automat_action_duration_seconds_count{action="email",result="ok",tenant="acme"} 1`,
		`automat_event_lag_seconds_count{tenant="acme"} 3`,
	} {
		if code != 200 || !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if code, body := h.do("GET", p, "", nil); code != 200 {
			t.Errorf("GET %s: %d %s", p, code, body)
		}
	}
}

func TestAuthAndTenantIsolation(t *testing.T) {
	h := start(t, testConfig(t, rulesDir(t)), nil, nil, nil)
	ev := orderEvent("e1", "order.created", "O1", "")
	for _, tc := range []struct{ name, header string }{
		{"no header", ""},
		{"wrong token", "Bearer nope-nope-nope-nope"},
		{"token of no scheme", acmeToken},
		{"basic auth", "Basic " + acmeToken},
		{"a prefix of a token", "Bearer " + acmeToken[:10]},
	} {
		req, _ := http.NewRequest("POST", h.srv.URL+"/v1/events", strings.NewReader(ev))
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || string(body) != `{"error":"unauthorized"}`+"\n" {
			t.Errorf("%s: %d %s, want 401 without detail", tc.name, resp.StatusCode, body)
		}
	}
	for _, p := range []string{"/v1/log", "/v1/actions", "/v1/ruleset"} {
		if code, _ := h.do("GET", p, "", nil); code != 401 {
			t.Errorf("GET %s without a token: %d, want 401", p, code)
		}
	}
	// An event naming another tenant is refused, even in a batch.
	named := strings.Replace(ev, `{"id"`, `{"tenant": "acme", "id"`, 1)
	if code, body := h.do("POST", "/v1/events", betaToken, []byte(named)); code != 403 || !strings.Contains(string(body), `"tenant: \"acme\" is not the tenant of this token"`) {
		t.Errorf("beta posting acme's event: %d %s", code, body)
	}
	if code, body := h.do("POST", "/v1/events", betaToken, []byte(`{"events": [`+orderEvent("b1", "order.created", "B1", "")+`,`+named+`]}`)); code != 403 || !strings.Contains(string(body), "events[1].tenant") {
		t.Errorf("beta's batch with acme's event: %d %s", code, body)
	}
	h.post(acmeToken, named) // its own tenant named: fine
	eventually(t, "acme's e-mail", func() bool {
		return count(h.logOf(acmeToken, "kind=action"), func(e *store.LogEntry) bool { return e.Action == "email" && e.State == store.Done }) == 1
	})
	// beta sees nothing of acme's.
	if log := h.logOf(betaToken, ""); len(log) != 0 {
		t.Errorf("beta's log has %d entries of acme's", len(log))
	}
	if code, body := h.do("GET", "/v1/actions", betaToken, nil); code != 200 || string(body) != `{"actions":[]}`+"\n" {
		t.Errorf("beta's actions: %d %s", code, body)
	}
	id := "e1%2Forder%2FO1%2Fwelcome%2F0"
	if code, _ := h.do("POST", "/v1/actions/"+id+"/retry", betaToken, nil); code != 404 {
		t.Errorf("beta retrying acme's action: %d, want 404", code)
	}
	if code, body := h.do("GET", "/v1/ruleset", betaToken, nil); code != 200 || !strings.Contains(string(body), `"tenant":"beta"`) {
		t.Errorf("beta's ruleset: %d %s", code, body)
	}
	// The same event id in another tenant is another event.
	h.post(betaToken, ev)
	eventually(t, "beta's e-mail", func() bool {
		return count(h.logOf(betaToken, "kind=action"), func(e *store.LogEntry) bool { return e.Action == "email" && e.State == store.Done }) == 1
	})
	if n := len(h.logOf(acmeToken, "kind=event")); n != 1 {
		t.Errorf("acme's log has %d events, want 1", n)
	}
}

func TestBadInput(t *testing.T) {
	h := start(t, testConfig(t, rulesDir(t)), nil, nil, nil)
	good := orderEvent("ok", "order.created", "O1", "")
	deep := `{"id": "d", "type": "order.created", "at": "2026-11-22T10:00:00Z", "record": {"type": "order", "id": "O", "data": {"notes": ` +
		strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}}}`
	for _, tc := range []struct {
		name, body string
		code       int
		want       string
	}{
		{"malformed JSON", `{"id": "x", "type": `, 400, "malformed JSON"},
		{"not an object", `[1, 2]`, 400, "want a JSON object"},
		{"empty body", ``, 400, "empty body"},
		{"invalid UTF-8", "{\"id\": \"\xff\xfe\", \"type\": \"order.created\"}", 400, "not valid UTF-8"},
		{"deep nesting", deep, 400, "nested deeper than 16 levels"},
		{"oversized body", `{"id": "big", "pad": "` + strings.Repeat("x", 70<<10) + `"}`, 413, "larger than 65536 bytes"},
		{"unknown record type", strings.Replace(strings.Replace(good, `"order"`, `"parcel"`, 1), "order.created", "parcel.created", 1), 400, `"error":"record.type: unknown record type \"parcel\": the ruleset knows party`},
		{"wrong field type", orderEvent("w", "order.created", "O1", `"paid": 5`), 400, "record.data"},
		{"wrong money", orderEvent("w", "order.created", "O1", `"items": [{"name": "a", "code": "a", "quantity": 1, "price": "abc", "stock": 1}]`), 400, "items[0].price"},
		{"missing id", strings.Replace(good, `"id": "ok", `, "", 1), 400, `"error":"id: missing"`},
		{"unknown envelope field", strings.Replace(good, `"id": "ok"`, `"id": "ok", "recrod": 1`, 1), 400, "recrod: unknown field"},
		{"bad time", strings.Replace(good, "2026-11-22T10:00:00Z", "yesterday", 1), 400, `"field":"at"`},
		{"clock line", `{"type": "clock", "at": "2026-11-22T10:00:00Z"}`, 400, "dry runs"},
		{"batch with a bad event", `{"events": [` + good + `, {"id": 1}]}`, 400, `"field":"events[1].type"`},
		{"batch with more keys", `{"events": [` + good + `], "x": 1}`, 400, "a batch is"},
		{"empty batch", `{"events": []}`, 400, "events: empty"},
		{"batch not an array", `{"events": {}}`, 400, "want an array"},
		{"batch too large", `{"events": [` + strings.TrimSuffix(strings.Repeat(good+",", 51), ",") + `]}`, 413, "at most 50"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := h.do("POST", "/v1/events", acmeToken, []byte(tc.body))
			if code != tc.code || !strings.Contains(string(body), tc.want) {
				t.Errorf("%d %s, want %d with %q", code, body, tc.code, tc.want)
			}
			// The daemon keeps serving.
			if code, body := h.do("POST", "/v1/events", acmeToken, []byte(good)); code != 202 {
				t.Fatalf("a good event after it: %d %s", code, body)
			}
		})
	}
	if code, _ := h.do("GET", "/v1/events", acmeToken, nil); code != 405 {
		t.Errorf("GET /v1/events: %d, want 405", code)
	}
	if code, _ := h.do("GET", "/nope", acmeToken, nil); code != 404 {
		t.Errorf("GET /nope: %d, want 404", code)
	}
	eventually(t, "the good event processed once", func() bool {
		return len(h.logOf(acmeToken, "kind=event")) == 1
	})
}

func TestLogPaging(t *testing.T) {
	h := start(t, testConfig(t, rulesDir(t)), nil, nil, nil)
	var events []string
	for i := range 25 {
		events = append(events, orderEvent(fmt.Sprintf("u%02d", i), "order.updated", fmt.Sprintf("O%d", i%5), `"status": "new"`))
	}
	h.post(acmeToken, `{"events": [`+strings.Join(events, ",")+`]}`)
	eventually(t, "25 events", func() bool { return len(h.logOf(acmeToken, "kind=event")) == 25 })

	code, body := h.do("GET", "/v1/log?kind=event&limit=10", acmeToken, nil)
	var page struct {
		Entries    []*store.LogEntry `json:"entries"`
		NextCursor string            `json:"next_cursor"`
	}
	if code != 200 || json.Unmarshal(body, &page) != nil || len(page.Entries) != 10 || page.NextCursor == "" {
		t.Fatalf("first page: %d %s", code, body)
	}
	all := h.logOf(acmeToken, "kind=event&limit=10")
	seen := map[string]bool{}
	for i, e := range all {
		if seen[e.Event] {
			t.Errorf("%s on two pages", e.Event)
		}
		seen[e.Event] = true
		if i > 0 && all[i-1].ID <= e.ID {
			t.Errorf("not newest first at %d", i)
		}
	}
	if len(all) != 25 {
		t.Errorf("paging gave %d entries, want 25", len(all))
	}
	if n := len(h.logOf(acmeToken, "record_type=order&record_id=O3")); n != 5 {
		t.Errorf("record O3: %d entries, want 5", n)
	}
	if n := len(h.logOf(acmeToken, "trigger=order.updated&limit=7")); n != 25 {
		t.Errorf("trigger order.updated: %d entries, want 25", n)
	}
	if n := len(h.logOf(acmeToken, "rule=welcome")); n != 0 {
		t.Errorf("rule welcome: %d entries, want 0", n)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if n := len(h.logOf(acmeToken, "from="+future)); n != 0 {
		t.Errorf("from the future: %d entries", n)
	}
	if n := len(h.logOf(acmeToken, "kind=event&to="+future+"&from=2020-01-01")); n != 25 {
		t.Errorf("from 2020 to an hour from now: %d entries, want 25", n)
	}
	for _, tc := range []struct{ query, want string }{
		{"limit=0", "limit"},
		{"limit=5000", "limit"},
		{"from=yesterday", `"field":"from"`},
		{"from=2026-11-22&to=2026-11-21", `"field":"to"`},
		{"cursor=!!!", "cursor"},
		{"cursor=bm90LWEtY3Vyc29y", "cursor"},
		{"kind=nope", "kind"},
		{"record-id=O1", "unknown parameter"},
	} {
		if code, body := h.do("GET", "/v1/log?"+tc.query, acmeToken, nil); code != 400 || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET /v1/log?%s: %d %s, want 400 naming %s", tc.query, code, body, tc.want)
		}
	}
}

func TestRetryDeadAction(t *testing.T) {
	conn := &fakeConn{}
	conn.setFail(func(a *store.Action) Result {
		return Result{Class: Transient, Err: fmt.Errorf("503 from the receiver")}
	})
	h := start(t, testConfig(t, rulesDir(t)), nil, conn, nil)
	h.post(acmeToken, orderEvent("p1", "order.paid", "O1", `"paid": "paid"`))
	id := "p1/order/O1/paid hook/0"
	eventually(t, "the webhook dead", func() bool {
		code, body := h.do("GET", "/v1/actions?state=dead", acmeToken, nil)
		return code == 200 && strings.Contains(string(body), `"id":"`+id+`"`)
	})
	if n := conn.attempts(id); n != 3 {
		t.Errorf("%d attempts, want 3 (retry.max_attempts)", n)
	}
	log := h.logOf(acmeToken, "kind=action")
	if n := count(log, func(e *store.LogEntry) bool { return e.ActionID == id && e.State == store.Pending && e.Error != "" }); n != 2 {
		t.Errorf("%d retry entries, want 2", n)
	}
	if n := count(log, func(e *store.LogEntry) bool {
		return e.ActionID == id && e.State == store.Dead && e.Attempt == 3 && strings.Contains(e.Error, "gave up after 3 attempts: 503")
	}); n != 1 {
		t.Errorf("no dead entry with the cause: %+v", log)
	}
	// The webhook ends the rule: no run waited for it, so there is
	// nothing to stop (the dead entry says what failed).
	if n := len(h.logOf(acmeToken, "kind=stopped&rule=paid%20hook")); n != 0 {
		t.Errorf("%d stopped entries for a rule whose last action died, want 0", n)
	}
	if code, body := h.do("POST", "/v1/actions/nope/retry", acmeToken, nil); code != 404 || !strings.Contains(string(body), `no action \"nope\"`) {
		t.Errorf("retrying an unknown action: %d %s", code, body)
	}
	conn.setFail(nil)
	// The id has slashes and a space: sent as is here, URL-encoded below.
	code, body := h.do("POST", "/v1/actions/p1/order/O1/paid%20hook/0/retry", acmeToken, nil)
	if code != 200 || !strings.Contains(string(body), `"state":"pending"`) {
		t.Fatalf("retry: %d %s", code, body)
	}
	eventually(t, "the webhook done", func() bool {
		code, body := h.do("GET", "/v1/actions?state=done", acmeToken, nil)
		return code == 200 && strings.Contains(string(body), `"id":"`+id+`"`)
	})
	if code, body := h.do("POST", "/v1/actions/p1%2Forder%2FO1%2Fpaid%20hook%2F0/retry", acmeToken, nil); code != 409 || !strings.Contains(string(body), "is done: only dead or unknown") {
		t.Errorf("retrying a done action: %d %s", code, body)
	}
	if code, body := h.do("GET", "/v1/actions?state=nope", acmeToken, nil); code != 400 || !strings.Contains(string(body), `"field":"state"`) {
		t.Errorf("GET /v1/actions?state=nope: %d %s", code, body)
	}
}

func TestPermanentAndUnknownFailures(t *testing.T) {
	conn := &fakeConn{}
	conn.setFail(func(a *store.Action) Result {
		if a.Name == "email" {
			return Result{Class: Permanent, Err: fmt.Errorf("no such template")}
		}
		return Result{Class: Unknown, Err: fmt.Errorf("timeout after sending")}
	})
	h := start(t, testConfig(t, rulesDir(t)), nil, conn, nil)
	h.post(acmeToken, orderEvent("c1", "order.created", "O1", ""))
	h.post(acmeToken, orderEvent("p1", "order.paid", "O1", `"paid": "paid"`))
	eventually(t, "failed and unknown", func() bool {
		_, failed := h.do("GET", "/v1/actions?state=failed", acmeToken, nil)
		_, unknown := h.do("GET", "/v1/actions?state=unknown", acmeToken, nil)
		return strings.Contains(string(failed), `"action":"email"`) && strings.Contains(string(unknown), `"action":"webhook"`)
	})
	if conn.attempts("c1/order/O1/welcome/0") != 1 || conn.attempts("p1/order/O1/paid hook/0") != 1 {
		t.Error("a permanent or unknown failure was retried on its own")
	}
	// The run stopped: no notify after the failed e-mail.
	if n := count(h.logOf(acmeToken, "kind=action"), func(e *store.LogEntry) bool { return e.Action == "notify" }); n != 0 {
		t.Error("the run went on after a failed action")
	}
	if code, _ := h.do("POST", "/v1/actions/c1%2Forder%2FO1%2Fwelcome%2F0/retry", acmeToken, nil); code != 409 {
		t.Errorf("retrying a failed action: %d, want 409", code)
	}
	if code, _ := h.do("POST", "/v1/actions/p1%2Forder%2FO1%2Fpaid%20hook%2F0/retry", acmeToken, nil); code != 200 {
		t.Errorf("retrying an unknown action: %d, want 200", code)
	}
}

// A wait that falls due while the daemon is down runs once, late, when it
// starts again.
func TestWaitDueWhileDown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	st, err := localstore.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, rulesDir(t))
	h := start(t, cfg, st, nil, nil)
	h.post(acmeToken, orderEvent("w1", "order.updated", "O1", `"status": "waiting"`))
	eventually(t, "the run waiting", func() bool { return len(h.logOf(acmeToken, "kind=fired&rule=reminder")) == 1 })
	h.stop()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1200 * time.Millisecond)
	h2 := start(t, cfg, openLocal(t, path), nil, nil)
	eventually(t, "the wait continued", func() bool {
		return count(h2.logOf(acmeToken, "kind=action"), func(e *store.LogEntry) bool { return e.Action == "log" }) == 1
	})
	time.Sleep(100 * time.Millisecond)
	log := h2.logOf(acmeToken, "rule=reminder")
	if n := count(log, func(e *store.LogEntry) bool {
		return e.Kind == store.KindFired && strings.HasPrefix(e.Message, "continued")
	}); n != 1 {
		t.Errorf("continued %d times, want once", n)
	}
}

// A status change that collides with a wait's due time gives exactly one
// of "continued" and "stopped".
func TestWaitCollidesWithChange(t *testing.T) {
	for i := range 5 {
		h := start(t, testConfig(t, rulesDir(t)), nil, nil, func(o *Options) { o.Poll = time.Millisecond })
		h.post(acmeToken, orderEvent("w", "order.updated", "O1", `"status": "waiting"`))
		eventually(t, "the run waiting", func() bool { return len(h.logOf(acmeToken, "kind=fired&rule=reminder")) == 1 })
		time.Sleep(time.Second - time.Duration(i)*time.Millisecond)
		h.post(acmeToken, orderEvent("x", "order.updated", "O1", `"status": "shipped"`))
		eventually(t, "the run ended", func() bool {
			log := h.logOf(acmeToken, "rule=reminder")
			return count(log, func(e *store.LogEntry) bool {
				return e.Kind == store.KindStopped || strings.HasPrefix(e.Message, "continued")
			}) > 0
		})
		time.Sleep(50 * time.Millisecond)
		log := h.logOf(acmeToken, "rule=reminder")
		n := count(log, func(e *store.LogEntry) bool {
			return e.Kind == store.KindStopped || strings.HasPrefix(e.Message, "continued")
		})
		if n != 1 {
			t.Errorf("round %d: %d outcomes, want exactly one of continued or stopped", i, n)
		}
		h.stop()
	}
}

// A schedule whose ticks were missed while the daemon was down runs once
// on start, not once per missed tick; one seen for the first time starts
// from now.
func TestScheduleCatchUp(t *testing.T) {
	dir := t.TempDir()
	src := `rule "sweep" on schedule "@every 1m" when order.status = "open" always do log(text: "sweep {order.number}")`
	if err := os.WriteFile(filepath.Join(dir, "s.rules"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st := memstore.New()
	err := st.Update(ctx, "acme", func(tx store.Tx) error {
		for _, id := range []string{"O1", "O2"} {
			err := tx.PutSnapshot(&store.Snapshot{Ref: store.Ref{Type: "order", ID: id},
				Data: json.RawMessage(`{"id": "` + id + `", "number": "` + id + `", "status": "open"}`), At: time.Now().UTC(), Event: "seed"})
			if err != nil {
				return err
			}
		}
		// acme's schedule last ticked ten minutes ago; beta's never did.
		return tx.PutSnapshot(&store.Snapshot{Ref: store.Ref{Type: scheduleType, ID: "@every 1m"}, Data: json.RawMessage(`{}`),
			At: time.Now().Add(-10 * time.Minute).UTC().Truncate(time.Microsecond), Event: "seed"})
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, dir)
	h := start(t, cfg, st, nil, nil)
	eventually(t, "the missed tick", func() bool { return len(h.logOf(acmeToken, "kind=fired&rule=sweep")) == 2 })
	time.Sleep(200 * time.Millisecond)
	fired := h.logOf(acmeToken, "kind=fired&rule=sweep")
	if len(fired) != 2 || fired[0].Trigger != `schedule @every 1m` {
		t.Errorf("after ten missed ticks: %d fired entries, want 2 (one tick over two records): %+v", len(fired), fired)
	}
	if n := len(h.logOf(betaToken, "kind=fired")); n != 0 {
		t.Errorf("beta's first start ran %d ticks", n)
	}
	// Restarting at once runs no tick: the last one is recorded.
	h.stop()
	h2 := start(t, cfg, st, nil, nil)
	time.Sleep(200 * time.Millisecond)
	if n := len(h2.logOf(acmeToken, "kind=fired&rule=sweep")); n != 2 {
		t.Errorf("a restart ran the tick again: %d fired entries", n)
	}
}

func TestReload(t *testing.T) {
	dir := rulesDir(t)
	h := start(t, testConfig(t, dir), nil, nil, func(o *Options) { o.Watch = 20 * time.Millisecond })
	ruleset := func() map[string]any {
		code, body := h.do("GET", "/v1/ruleset", acmeToken, nil)
		var v map[string]any
		if code != 200 || json.Unmarshal(body, &v) != nil {
			t.Fatalf("GET /v1/ruleset: %d %s", code, body)
		}
		return v
	}
	v0 := ruleset()["version"]
	if n := len(ruleset()["rules"].([]any)); n != 3 {
		t.Fatalf("%d rules, want 3", n)
	}
	path := filepath.Join(dir, "shop.rules")
	src, _ := os.ReadFile(path)
	added := string(src) + "\nrule \"cancelled\" on order.updated when order.status = \"cancelled\" do log(text: \"cancelled\")\n"
	if err := os.WriteFile(path, []byte(added), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the new ruleset", func() bool { return ruleset()["version"] != v0 })
	v1 := ruleset()
	if n := len(v1["rules"].([]any)); n != 4 || v1["refused"] != nil {
		t.Fatalf("after the change: %d rules, refused %v", n, v1["refused"])
	}
	h.post(acmeToken, orderEvent("c1", "order.updated", "O1", `"status": "cancelled"`))
	eventually(t, "the new rule fired", func() bool { return len(h.logOf(acmeToken, "kind=fired&rule=cancelled")) == 1 })

	// A broken ruleset is refused; the running one stays.
	if err := os.WriteFile(path, []byte(added+"\nrule \"bad\" when order.stauts = \"x\" do log(text: \"x\")\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the refusal", func() bool { return ruleset()["refused"] != nil })
	v2 := ruleset()
	if v2["version"] != v1["version"] {
		t.Errorf("the running ruleset changed to %v", v2["version"])
	}
	ref := v2["refused"].(map[string]any)
	diags, _ := ref["diagnostics"].([]any)
	if len(diags) == 0 || !strings.Contains(fmt.Sprint(diags[0]), "stauts") {
		t.Errorf("refusal without the diagnostic: %v", ref)
	}
	if err := h.d.Reload(); err == nil || !strings.Contains(err.Error(), "tenant acme") {
		t.Errorf("Reload of a broken ruleset: %v", err)
	}
	h.post(acmeToken, orderEvent("c2", "order.updated", "O2", `"status": "cancelled"`))
	eventually(t, "events still processed", func() bool { return len(h.logOf(acmeToken, "kind=fired&rule=cancelled")) == 2 })
	code, body := h.do("GET", "/metrics", "", nil)
	if code != 200 || !strings.Contains(string(body), `automat_ruleset_reloads_total{result="refused",tenant="acme"}`) {
		t.Errorf("/metrics lacks the refused reload")
	}
	// Fixing it clears the refusal.
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the fixed ruleset", func() bool { v := ruleset(); return v["refused"] == nil && v["version"] == v0 })
}

// Stopping lets work in flight finish; events accepted but not processed
// are processed after the next start.
func TestStopKeepsAcceptedEvents(t *testing.T) {
	st := memstore.New()
	cfg := testConfig(t, rulesDir(t))
	h := start(t, cfg, st, nil, nil)
	var events []string
	for i := range 40 {
		events = append(events, orderEvent(fmt.Sprintf("s%02d", i), "order.created", fmt.Sprintf("O%d", i), ""))
	}
	h.post(acmeToken, `{"events": [`+strings.Join(events, ",")+`]}`)
	h.stop()
	h2 := start(t, cfg, st, nil, nil)
	eventually(t, "all 40 processed", func() bool {
		return count(h2.logOf(acmeToken, "kind=action"), func(e *store.LogEntry) bool { return e.Action == "notify" }) == 40
	})
	if n := len(h2.logOf(acmeToken, "kind=event")); n != 40 {
		t.Errorf("%d event entries, want 40", n)
	}
}

func TestBackoff(t *testing.T) {
	d := &Daemon{cfg: &Config{Retry: RetryConfig{MaxAttempts: 8, Backoff: time.Second, MaxBackoff: 10 * time.Second}}}
	for _, tc := range []struct {
		n        int
		rnd      float64
		min, max time.Duration
	}{
		{1, 0, 500 * time.Millisecond, 500 * time.Millisecond},
		{1, 0.999, 500 * time.Millisecond, time.Second},
		{3, 0, 2 * time.Second, 2 * time.Second},
		{3, 0.999, 2 * time.Second, 4 * time.Second},
		{10, 0.999, 5 * time.Second, 10 * time.Second},
	} {
		d.opts.Rand = func() float64 { return tc.rnd }
		if got := d.backoff(tc.n); got < tc.min || got > tc.max {
			t.Errorf("backoff(%d) with jitter %v = %v, want %v to %v", tc.n, tc.rnd, got, tc.min, tc.max)
		}
	}
}

// A run waiting when its rule is removed by a reload continues on the
// version it started with; after a restart (the old version is gone) it
// is stopped and logged.
func TestReloadWithWaitingRuns(t *testing.T) {
	dir := rulesDir(t)
	path := filepath.Join(dir, "shop.rules")
	src, _ := os.ReadFile(path)
	without := strings.Replace(string(src), `rule "reminder"`, `rule "reminder2"`, 1)
	st := memstore.New()
	cfg := testConfig(t, dir)
	h := start(t, cfg, st, nil, nil)
	h.post(acmeToken, orderEvent("w1", "order.updated", "O1", `"status": "waiting"`))
	h.post(acmeToken, orderEvent("w2", "order.updated", "O2", `"status": "waiting"`))
	eventually(t, "two runs waiting", func() bool { return len(h.logOf(acmeToken, "kind=fired&rule=reminder")) == 2 })
	if err := os.WriteFile(path, []byte(without), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.d.Reload(); err != nil {
		t.Fatal(err)
	}
	// O1's wait falls due while this daemon still has the old version.
	eventually(t, "both waits continued on the old version", func() bool {
		return count(h.logOf(acmeToken, "kind=fired&rule=reminder"), func(e *store.LogEntry) bool { return strings.HasPrefix(e.Message, "continued") }) == 2
	})

	// Again, now with a restart while the runs wait.
	h.post(acmeToken, orderEvent("w3", "order.updated", "O3", `"status": "waiting"`))
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	h.d.Reload()
	h.post(acmeToken, orderEvent("w4", "order.updated", "O4", `"status": "waiting"`))
	eventually(t, "the new run waiting", func() bool { return len(h.logOf(acmeToken, "kind=fired&rule=reminder&record_id=O4")) == 1 })
	h.stop()
	if err := os.WriteFile(path, []byte(without), 0o644); err != nil {
		t.Fatal(err)
	}
	h2 := start(t, cfg, st, nil, nil)
	eventually(t, "the run of the removed rule stopped", func() bool {
		log := h2.logOf(acmeToken, "kind=stopped&record_id=O4")
		return len(log) == 1 && log[0].Message == "the rule was removed from the ruleset"
	})
}

// A connector that panics is a bug the daemon survives: reported, and the
// action is unknown (it may have been sent), not resent on its own.
func TestConnectorPanic(t *testing.T) {
	conn := &fakeConn{}
	conn.setFail(func(a *store.Action) Result { panic("boom") })
	var mu sync.Mutex
	var bugs []string
	h := start(t, testConfig(t, rulesDir(t)), nil, conn, func(o *Options) {
		o.OnBug = func(where string, v any) {
			mu.Lock()
			bugs = append(bugs, fmt.Sprint(where, ": ", v))
			mu.Unlock()
		}
	})
	h.post(acmeToken, orderEvent("p1", "order.paid", "O1", `"paid": "paid"`))
	eventually(t, "the webhook unknown", func() bool {
		_, body := h.do("GET", "/v1/actions?state=unknown", acmeToken, nil)
		return strings.Contains(string(body), "connector panicked: boom")
	})
	mu.Lock()
	defer mu.Unlock()
	if len(bugs) != 1 || bugs[0] != "connector: boom" {
		t.Errorf("bugs reported: %q", bugs)
	}
	if code, body := h.do("GET", "/metrics", "", nil); code != 200 || !strings.Contains(string(body), `automat_internal_errors_total{where="connector"} 1`) {
		t.Error("/metrics lacks the internal error")
	}
}

// Events of one record are processed in the order received; different
// records are spread over the shards.
func TestRecordOrder(t *testing.T) {
	h := start(t, testConfig(t, rulesDir(t)), nil, nil, nil)
	var batch []string
	for i := range 120 {
		batch = append(batch, orderEvent(fmt.Sprintf("e%03d", i), "order.updated", fmt.Sprintf("O%d", i%6), fmt.Sprintf(`"status": "s%03d"`, i)))
		if len(batch) == 20 {
			h.post(acmeToken, `{"events": [`+strings.Join(batch, ",")+`]}`)
			batch = batch[:0]
		}
	}
	eventually(t, "120 events", func() bool { return len(h.logOf(acmeToken, "kind=event")) == 120 })
	last := map[string]string{}
	log := h.logOf(acmeToken, "kind=event")
	for i := len(log) - 1; i >= 0; i-- { // oldest first
		e := log[i]
		if prev := last[e.Record.ID]; prev >= e.Event {
			t.Errorf("%s processed after %s", e.Event, prev)
		}
		last[e.Record.ID] = e.Event
	}
}

// TestRetention: history past its retention goes — log entries, processed
// events' ids, finished actions — and the once-ledger stays, so a repeat
// of a forgotten event is processed again without firing a once rule
// twice.
func TestRetention(t *testing.T) {
	cfg := testConfig(t, rulesDir(t))
	cfg.Retention = RetentionConfig{Log: Age(time.Millisecond), Events: Age(time.Millisecond), Actions: Age(time.Millisecond), Every: 20 * time.Millisecond}
	h := start(t, cfg, nil, nil, nil)
	const welcome = "e1/order/O1/welcome/0"
	h.post(acmeToken, orderEvent("e1", "order.created", "O1", ""))
	pruned := func() bool {
		code, body := h.do("GET", "/v1/actions?state=done", acmeToken, nil)
		return h.conn.attempts(welcome) == 1 && len(h.logOf(acmeToken, "")) == 0 &&
			code == http.StatusOK && !strings.Contains(string(body), `"id"`)
	}
	eventually(t, "the e-mail sent, then the log and the done actions removed", pruned)
	code, body := h.do("POST", "/v1/events", acmeToken, []byte(`{"events": [`+orderEvent("e1", "order.created", "O1", "")+`]}`))
	if code != http.StatusAccepted || !strings.Contains(string(body), `"new":1`) {
		t.Fatalf("a repeat of a forgotten event: %d %s, want it accepted as new", code, body)
	}
	eventually(t, "the repeat processed", func() bool {
		_, body := h.do("GET", "/metrics", "", nil)
		return strings.Contains(string(body), `automat_events_processed_total{tenant="acme"} 2`)
	})
	eventually(t, "its history removed", pruned)
	if n := h.conn.attempts(welcome); n != 1 {
		t.Errorf("the once rule's e-mail was sent %d times, want once", n)
	}
	_, body = h.do("GET", "/metrics", "", nil)
	if !strings.Contains(string(body), `automat_pruned_rows_total{tenant="acme"}`) {
		t.Error("no automat_pruned_rows_total in /metrics")
	}
}

func TestRetentionConfig(t *testing.T) {
	c, err := ParseConfig([]byte("tenants: []\nretention: {log: 90d, events: 36h, actions: 1d}\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	want := RetentionConfig{Log: Age(90 * 24 * time.Hour), Events: Age(36 * time.Hour), Actions: Age(24 * time.Hour)}
	if c.Retention != want {
		t.Errorf("retention: %+v, want %+v", c.Retention, want)
	}
	for _, bad := range []string{"log: 9x", "log: d", "events: 1.5d", "actions: [1]"} {
		if _, err := ParseConfig([]byte("retention: {"+bad+"}\n"), ""); err == nil {
			t.Errorf("retention: {%s}: no error", bad)
		} else if !strings.Contains(err.Error(), "line 1") {
			t.Errorf("retention: {%s}: %v, want the line named", bad, err)
		}
	}
}
