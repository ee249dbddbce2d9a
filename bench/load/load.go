// Package load measures automatd end to end: clients send events over
// HTTP to a daemon running in the same process on a real listener and a
// real store, and the run reports how many events per second were
// accepted (202: durably stored) and processed (rules evaluated, outside
// actions queued durably, in the same transaction), and the latency of
// the requests. cmd (main.go) is the command-line front end; the figures
// are in docs/performance.md.
package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/automat-rules/automat/runtime/daemon"
	"github.com/automat-rules/automat/runtime/store"
)

// Rules is the ruleset of a load run: an order's life in a shop, with an
// outside action (queued) for most events and internal ones for some.
const Rules = `ruleset "load"

statuses order {
  "Nová"        -> new_confirmed
  "Vyřizuje se" -> processing
  "Odesláno"    -> processing
  "Doručeno"    -> completed
}

rule "new order"
on order.created
when order.total > 0 once
do
  email(to: order.buyer.email, template: "new_order")

rule "big order"
on order.created
when order.total > 1000 and order.channel in ["shoptet", "allegro"]
do
  notify(user: "sales", text: "Big order {order.number}: {order.total}")

rule "shipped"
on order.status_changed
when order.status = "Odesláno" once
do
  sms(to: order.buyer.phone, text: "Order {order.number} is on its way")

rule "paid"
on order.paid
when order.paid = paid
do
  webhook(url: "https://hooks.example/paid")
`

// Config is one load run.
type Config struct {
	// Store is the store URL; "" is a new SQLite file in a temporary
	// directory.
	Store string
	// Events is how many events to send; Clients how many clients send
	// at once; Batch how many events one request carries (0 or 1: one
	// event per request, without the batch envelope).
	Events, Clients, Batch int
	// Rate, when set, is the events per second the clients send at
	// (open loop): request k of client c is due at k·Clients+c request
	// intervals after the start, and its latency counts from then, so a
	// request that waited for a slow one before it is not measured as
	// fast. 0: each client sends its next request when the last one
	// returned (as fast as the daemon takes them).
	Rate float64
	// Workers is the daemon's inbox shards per tenant (0: the default).
	Workers int
	// Log, when set, receives the daemon's log.
	Log io.Writer
}

// Result is what a run measured.
type Result struct {
	Events, Requests int
	Batch            int
	// Ingest is the time from the first request to the last 202; Total
	// until the last event was processed and its actions queued.
	Ingest, Total time.Duration
	// Latency percentiles of the requests (each holds Batch events).
	P50, P99, Max time.Duration
	// WindowP99 is the p99 of the requests sent in each 10 seconds of
	// the run, in order: whether the latency holds as the inbox grows.
	WindowP99 []time.Duration
	// Actions is how many outside actions were queued.
	Actions int64
}

// Accepted returns the events accepted per second.
func (r *Result) Accepted() float64 { return float64(r.Events) / r.Ingest.Seconds() }

// Processed returns the events processed end to end per second.
func (r *Result) Processed() float64 { return float64(r.Events) / r.Total.Seconds() }

func (r *Result) String() string {
	mode := "single"
	if r.Batch > 1 {
		mode = fmt.Sprintf("batch %d", r.Batch)
	}
	return fmt.Sprintf("%-9s %6d events %6d requests  accepted %7.0f ev/s  processed %7.0f ev/s  latency p50 %-8v p99 %-8v max %-8v  %d actions queued",
		mode, r.Events, r.Requests, r.Accepted(), r.Processed(), r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond), r.Actions)
}

const token = "load-token-0123456789"

// Run runs the daemon, sends the events and waits until all are
// processed.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Clients <= 0 {
		cfg.Clients = 8
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 1
	}
	dir, err := os.MkdirTemp("", "automat-load-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	dc, err := daemonConfig(dir, cfg)
	if err != nil {
		return nil, err
	}
	var processed, actions atomic.Int64
	done := make(chan struct{})
	var once sync.Once
	logger := slog.New(slog.DiscardHandler)
	if cfg.Log != nil {
		logger = slog.New(slog.NewTextHandler(cfg.Log, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	d, err := daemon.New(ctx, dc, daemon.Options{
		Logger: logger,
		OnLog: func(_ string, l *store.LogEntry) {
			switch {
			case l.Kind == store.KindEvent || l.Kind == store.KindError && l.Rule == "":
				if processed.Add(1) == int64(cfg.Events) {
					once.Do(func() { close(done) })
				}
			case l.Kind == store.KindAction && l.State == store.Pending:
				actions.Add(1)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- d.Serve(sctx, ln) }()
	shutdown := sync.OnceValue(func() error { stop(); return <-served })
	defer shutdown()
	url := "http://" + ln.Addr().String() + "/v1/events"

	perClient := requests(cfg)
	res := &Result{Events: cfg.Events, Batch: cfg.Batch}
	lats := make([][]time.Duration, cfg.Clients)
	sent := make([][]time.Duration, cfg.Clients) // since start, per request
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients}}
	var interval time.Duration
	if cfg.Rate > 0 {
		interval = time.Duration(float64(cfg.Batch) / cfg.Rate * float64(time.Second))
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, cfg.Clients)
	for c, bodies := range perClient {
		res.Requests += len(bodies)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, b := range bodies {
				t0 := time.Now()
				if interval > 0 {
					t0 = start.Add(time.Duration(i*cfg.Clients+c) * interval)
					time.Sleep(time.Until(t0))
				}
				req, err := http.NewRequest("POST", url, bytes.NewReader(b))
				if err != nil {
					errs <- err
					return
				}
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lats[c] = append(lats[c], time.Since(t0))
				sent[c] = append(sent[c], t0.Sub(start))
				if resp.StatusCode != http.StatusAccepted {
					errs <- fmt.Errorf("client %d, request %d: %s", c, i, resp.Status)
					return
				}
			}
		}()
	}
	wg.Wait()
	res.Ingest = time.Since(start)
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	select {
	case <-done:
	case <-time.After(10 * time.Minute):
		return nil, fmt.Errorf("only %d of %d events processed after 10 minutes", processed.Load(), cfg.Events)
	}
	res.Total = time.Since(start)
	// The last event's entry may be traced before the action entries of
	// its own transaction: count them once the daemon has stopped.
	if err := shutdown(); err != nil {
		return nil, fmt.Errorf("automatd: %w", err)
	}
	res.Actions = actions.Load()
	lat := slices.Concat(lats...)
	var windows [][]time.Duration
	for i, at := range slices.Concat(sent...) {
		w := max(int(at/window), 0)
		for len(windows) <= w {
			windows = append(windows, nil)
		}
		windows[w] = append(windows[w], lat[i])
	}
	for _, w := range windows {
		res.WindowP99 = append(res.WindowP99, p99(w))
	}
	slices.Sort(lat)
	res.P50 = lat[len(lat)/2]
	res.P99 = p99(lat)
	res.Max = lat[len(lat)-1]
	return res, nil
}

// daemonConfig writes the ruleset to dir and returns the configuration
// of a run's daemon: one tenant, "load", on cfg's store (a new SQLite
// file in dir by default).
func daemonConfig(dir string, cfg Config) (*daemon.Config, error) {
	if err := os.WriteFile(filepath.Join(dir, "load.rules"), []byte(Rules), 0o644); err != nil {
		return nil, err
	}
	if cfg.Store == "" {
		cfg.Store = "sqlite:" + filepath.Join(dir, "automat.db")
	}
	dc := &daemon.Config{Store: cfg.Store, Workers: cfg.Workers,
		Tenants: []daemon.TenantConfig{{Name: "load", Rules: dir, Tokens: []string{token}}},
		Limits:  daemon.LimitsConfig{MaxBody: 16 << 20, MaxBatch: max(cfg.Batch, daemon.DefaultMaxBatch)}}
	return dc, dc.Resolve(nil)
}

// requests builds each client's request bodies: every order gets
// created, then processed, shipped and paid; one order's events all go
// through one client, in order (client c sends the orders o with
// o % Clients == c).
func requests(cfg Config) [][][]byte {
	steps := []struct{ typ, status, paid string }{
		{"order.created", "Nová", "unpaid"},
		{"order.updated", "Vyřizuje se", "unpaid"},
		{"order.updated", "Odesláno", "unpaid"},
		{"order.paid", "Odesláno", "paid"},
	}
	orders := (cfg.Events + len(steps) - 1) / len(steps)
	perClient := make([][][]byte, cfg.Clients)
	// Event k of the run is step k / orders of order k % orders: every
	// order's first event comes before any order's second.
	for k := range cfg.Events {
		o, s := k%orders, k/orders
		st := steps[s]
		id := fmt.Sprintf("O%06d", o)
		total := "249.90"
		if o%5 == 0 {
			total = "1299.00"
		}
		ev := fmt.Appendf(nil, `{"id": "%s-%d", "type": %q, "at": "2026-11-22T10:%02d:%02dZ", "record": {"type": "order", "id": %q, "data": {`+
			`"id": %q, "number": "%d", "status": %q, "channel": "shoptet", "total": %q, "currency": "CZK", "paid": %q, "payment_method": "card",`+
			`"buyer": {"name": "Jana Nováková", "email": "jana@example.cz", "phone": "+420601123456"},`+
			`"items": [{"name": "Boty", "code": "B-1", "quantity": 1, "price": %q, "stock": 4}]}}}`,
			id, s, st.typ, s, o%60, id, id, 1000+o, st.status, total, st.paid, total)
		perClient[o%cfg.Clients] = append(perClient[o%cfg.Clients], ev)
	}
	out := make([][][]byte, cfg.Clients)
	for c, evs := range perClient {
		for lo := 0; lo < len(evs); lo += cfg.Batch {
			out[c] = append(out[c], body(evs[lo:min(lo+cfg.Batch, len(evs))], cfg.Batch))
		}
	}
	return out
}

func body(evs [][]byte, batch int) []byte {
	if batch <= 1 {
		return evs[0]
	}
	return slices.Concat([]byte(`{"events": [`), bytes.Join(evs, []byte(",")), []byte(`]}`))
}

// window is the span of WindowP99's windows.
const window = 10 * time.Second

// p99 returns the 99th percentile of lat, which it sorts.
func p99(lat []time.Duration) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	return lat[min(len(lat)*99/100, len(lat)-1)]
}
