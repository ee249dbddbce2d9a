// Package daemon is automatd (SPEC §2.2, §4): it serves the HTTP API that
// takes events in and shows the event log, the action queue and the
// loaded rulesets, and runs the workers that make rules happen on a
// durable store.
//
// Its place: events accepted over HTTP go to the store's inbox
// (store.Store.Accept; the client gets 202 only after that returned), and
// from there to the engine (runtime/engine), which evaluates the tenant's
// ruleset and writes state, log and queued actions in one transaction.
// The daemon's workers are the engine's drivers:
//
//   - the inbox: events of one record in order, different records in
//     parallel (each record is hashed to one of Config.Workers shards);
//   - the timers: waits that fall due (Engine.Wake) and `on schedule`
//     ticks (robfig/cron specs; a tick missed while the daemon was down
//     runs once on start, late, not once per missed tick);
//   - the action worker: queued outside actions are performed by a
//     [Connector], retried with exponential backoff and jitter, and
//     reported to the engine, which continues or stops the waiting run;
//   - the reloader: a ruleset changed on disk (or on SIGHUP, through
//     [Daemon.Reload]) is compiled and swapped in; one that does not
//     compile is refused, logged and shown at /v1/ruleset, and the running
//     one stays.
//
// The entry point is [New], then [Daemon.Serve] (or [Daemon.Handler] with
// [Daemon.Start] and [Daemon.Stop] for tests). Each tenant has its own
// engine, ruleset, tokens and workers; nothing crosses tenants.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

// Options are the parts of a daemon that are not configuration: where it
// logs, how outside actions are performed, and (for tests) a store and
// faster timings. The zero value works.
type Options struct {
	// Logger receives the structured log; nil discards it.
	Logger *slog.Logger
	// Store, when set, is used instead of opening Config.Store; the daemon
	// then does not close it.
	Store store.Store
	// Connectors returns the connector performing a tenant's outside
	// actions; nil gives every tenant the outbox connector.
	Connectors func(tenant string) (Connector, error)
	// Poll is how often workers look for work nobody signalled (events
	// another process added, due actions); 0 is one second.
	Poll time.Duration
	// Watch is how often rulesets are checked for changes on disk; 0 is
	// two seconds, a negative value never.
	Watch time.Duration
	// Grace bounds how long Stop waits for in-flight work; 0 is 30 s.
	Grace time.Duration
	// ActionTimeout bounds one attempt of an outside action; 0 is the
	// configuration's retry.timeout.
	ActionTimeout time.Duration
	// Rand returns a number in [0, 1) for backoff jitter; nil uses
	// math/rand/v2.
	Rand func() float64
	// OnLog, when set, sees every log entry the engine committed, with
	// its tenant (benchmarks and embedders count them).
	OnLog func(tenant string, l *store.LogEntry)
	// OnBug, when set, is told of each broken invariant the daemon
	// survived (a recovered panic); tests make it fail the test.
	OnBug func(where string, v any)
}

// Daemon is a running automatd: its store, tenants and workers.
type Daemon struct {
	cfg     *Config
	opts    Options
	log     *slog.Logger
	store   store.Store
	owns    bool // the daemon opened the store and closes it
	tenants map[string]*tenant
	order   []*tenant // in configuration order
	// holder names the daemon to the others on a shared store: host and
	// listen address, which no two live daemons share, so a restarted
	// daemon takes its leases back at once.
	holder  string
	metrics *metrics
	intake  *intake // event requests in flight, which workers let go first

	ready   atomic.Bool
	started atomic.Bool
	stop    chan struct{}      // closed by Stop: workers finish what they hold
	work    context.Context    // cancelled when the grace period is over
	cancel  context.CancelFunc // cancels work
	wg      sync.WaitGroup
	stopped sync.Once
}

// New opens the store and loads every tenant's ruleset. cfg must have
// been resolved ([Config.Resolve]). A ruleset that does not compile is an
// error here (at start there is no running one to keep).
func New(ctx context.Context, cfg *Config, opts Options) (*Daemon, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Watch == 0 {
		opts.Watch = 2 * time.Second
	}
	if opts.Grace <= 0 {
		opts.Grace = 30 * time.Second
	}
	if opts.ActionTimeout <= 0 {
		opts.ActionTimeout = cfg.Retry.Timeout
	}
	if opts.ActionTimeout <= 0 { // a Config not checked by Resolve
		opts.ActionTimeout = DefaultActionTimeout
	}
	host, _ := os.Hostname()
	d := &Daemon{
		holder:  host + " " + cfg.Listen,
		cfg:     cfg,
		opts:    opts,
		log:     opts.Logger,
		tenants: make(map[string]*tenant),
		metrics: newMetrics(),
		intake:  newIntake(),
		stop:    make(chan struct{}),
	}
	d.work, d.cancel = context.WithCancel(context.WithoutCancel(ctx))
	for i := range cfg.Tenants {
		t, err := newTenant(d, &cfg.Tenants[i])
		if err != nil {
			return nil, err
		}
		d.tenants[t.name] = t
		d.order = append(d.order, t)
	}
	if opts.Store != nil {
		d.store = opts.Store
	} else {
		s, err := OpenStore(ctx, cfg.Store)
		if err != nil {
			return nil, err
		}
		d.store, d.owns = s, true
	}
	for _, t := range d.order {
		t.start()
	}
	return d, nil
}

// Start starts the workers of every tenant. The daemon is ready (/readyz)
// once they run.
func (d *Daemon) Start() {
	if d.started.Swap(true) {
		return
	}
	for _, t := range d.order {
		t.run()
	}
	if d.opts.Watch > 0 {
		d.goWork(func() { d.watch(d.opts.Watch) })
	}
	if d.cfg.Retention.on() {
		d.goWork(d.prune)
	}
	d.ready.Store(true)
	d.log.Info("started", "tenants", len(d.order), "store", redactURL(d.cfg.Store), "workers", d.cfg.Workers)
}

// goWork runs f as a worker that Stop waits for.
func (d *Daemon) goWork(f func()) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		f()
	}()
}

// stopping reports whether Stop was called.
func (d *Daemon) stopping() bool {
	select {
	case <-d.stop:
		return true
	default:
		return false
	}
}

// Stop stops the workers: each finishes the event, wake-up or action it
// holds (its transaction commits or nothing of it is kept), within the
// grace period; then the store is closed. Events not yet processed stay
// in the inbox for the next start.
func (d *Daemon) Stop() error {
	var err error
	d.stopped.Do(func() {
		d.ready.Store(false)
		close(d.stop)
		done := make(chan struct{})
		go func() { d.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(d.opts.Grace):
			d.log.Warn("grace period over: cancelling work in flight", "grace", d.opts.Grace)
			d.cancel()
			<-done
		}
		d.cancel()
		if d.owns {
			err = d.store.Close()
		}
		d.log.Info("stopped")
	})
	return err
}

// Serve starts the workers and serves the HTTP API on ln until ctx is
// done; then it shuts down gracefully: it stops accepting requests, lets
// the ones in flight finish (a 202 is never lost), stops the workers and
// closes the store.
func (d *Daemon) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           d.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(d.log.Handler(), slog.LevelWarn),
	}
	d.Start()
	d.log.Info("listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var serveErr error
	select {
	case <-ctx.Done():
		d.log.Info("shutting down")
	case serveErr = <-errc:
	}
	d.ready.Store(false)
	sctx, cancel := context.WithTimeout(context.Background(), d.opts.Grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		d.log.Warn("http shutdown", "err", err)
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return errors.Join(serveErr, d.Stop())
}

// Reload reloads every tenant's ruleset from disk (SIGHUP). A ruleset
// that does not compile is refused and the running one stays; the error
// says which tenants refused.
func (d *Daemon) Reload() error {
	var errs []error
	for _, t := range d.order {
		if err := t.reload("signal"); err != nil {
			errs = append(errs, fmt.Errorf("tenant %s: %w", t.name, err))
		}
	}
	return errors.Join(errs...)
}

// watch reloads the rulesets whose files changed, every interval.
func (d *Daemon) watch(interval time.Duration) {
	tk := time.NewTicker(interval)
	defer tk.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-tk.C:
		}
		for _, t := range d.order {
			if t.changed() {
				t.reload("file change") //nolint:errcheck // logged and shown at /v1/ruleset
			}
		}
	}
}

// sleep waits for d, a signal on wake, or Stop; it reports false on Stop.
func (d *Daemon) sleep(dur time.Duration, wake <-chan struct{}) bool {
	t := time.NewTimer(dur)
	defer t.Stop()
	select {
	case <-d.stop:
		return false
	case <-wake:
	case <-t.C:
	}
	return true
}

// bug reports a broken invariant the daemon survives: the
// automat_internal_errors_total counter and Options.OnBug. The caller logs
// it with its context.
func (d *Daemon) bug(where string, v any) {
	d.metrics.internal.WithLabelValues(where).Inc()
	if d.opts.OnBug != nil {
		d.opts.OnBug(where, v)
	}
}

// signal wakes a worker waiting on ch without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
