package daemon

// This file defines a tenant: its tokens, its engine and ruleset, and the
// hot reload of the ruleset.

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/runtime/engine"
	"github.com/automat-rules/automat/runtime/store"
)

// tenant is one account: its tokens, its engine and its workers.
type tenant struct {
	d      *Daemon
	name   string
	rules  string
	tokens [][sha256.Size]byte // hashes of the tokens (compared in constant time)
	eng    *engine.Engine
	conn   Connector

	inbox   *inbox
	actions *actionWorker
	timers  *timers

	reloading sync.Mutex // one reload at a time
	mu        sync.Mutex // guards the fields below
	rs        *engine.Ruleset
	loadedAt  time.Time
	warnings  diag.List
	print     [sha256.Size]byte // fingerprint of the files rs came from
	refused   *refusal
}

// refusal is a ruleset that did not load; the running one stayed.
type refusal struct {
	At    time.Time
	Error string
	Diags diag.List
	print [sha256.Size]byte
}

func newTenant(d *Daemon, c *TenantConfig) (*tenant, error) {
	t := &tenant{d: d, name: c.Name, rules: c.Rules}
	for _, tok := range c.Tokens {
		t.tokens = append(t.tokens, sha256.Sum256([]byte(tok)))
	}
	print, _ := fingerprint(c.Rules)
	rs, diags, err := engine.Load(c.Rules)
	if err != nil {
		return nil, &LoadError{Tenant: c.Name, Err: err, Diags: diags}
	}
	t.rs, t.warnings, t.print, t.loadedAt = rs, diags, print, time.Now()
	if d.opts.Connectors != nil {
		if t.conn, err = d.opts.Connectors(c.Name); err != nil {
			return nil, fmt.Errorf("tenant %s: connectors: %w", c.Name, err)
		}
	} else if outbox := (&Outbox{File: d.cfg.Outbox.File, Tenant: c.Name}); d.cfg.Actions != nil {
		t.conn = &connectors{set: d.cfg.Actions, outbox: outbox}
	} else {
		t.conn = outbox
	}
	t.warnMissing(rs)
	return t, nil
}

// warnMissing logs the outside actions of rs that no configured connector
// performs: each of them would fail when a rule calls it.
func (t *tenant) warnMissing(rs *engine.Ruleset) {
	if t.d.cfg.Actions == nil || t.d.opts.Connectors != nil {
		return
	}
	if miss := missingConnectors(t.d.cfg.Actions, rs.OutsideActions()); len(miss) > 0 {
		t.d.log.Warn("no connector is configured for actions the rules call; they will fail", "tenant", t.name, "actions", miss)
	}
}

// LoadError is a ruleset that failed to load, with its diagnostics.
type LoadError struct {
	Tenant string
	Err    error
	Diags  diag.List
}

func (e *LoadError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tenant %s: %v", e.Tenant, e.Err)
	for _, d := range e.Diags {
		if d.Severity == diag.Error {
			b.WriteString("\n\t")
			b.WriteString(d.Error())
		}
	}
	return b.String()
}

func (e *LoadError) Unwrap() error { return e.Err }

// start creates the tenant's engine and workers on the daemon's store.
func (t *tenant) start() {
	t.eng = engine.New(t.rs, engine.Config{Store: t.d.store, Tenant: t.name, Trace: t.trace})
	t.inbox = newInbox(t)
	t.actions = newActionWorker(t)
	t.timers = newTimers(t)
	t.d.metrics.rulesetInfo(t.name, t.rs)
}

// run starts the tenant's workers.
func (t *tenant) run() {
	t.inbox.run()
	t.actions.run()
	t.timers.run()
}

// ruleset returns the running ruleset and its refusal, if any.
func (t *tenant) ruleset() (rs *engine.Ruleset, loadedAt time.Time, warnings diag.List, ref *refusal) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rs, t.loadedAt, t.warnings, t.refused
}

// changed reports whether the ruleset's files changed since they were
// loaded or last refused.
func (t *tenant) changed() bool {
	p, err := fingerprint(t.rules)
	if err != nil {
		return false // a folder being replaced; look again later
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.refused != nil {
		return p != t.refused.print
	}
	return p != t.print
}

// reload compiles the ruleset again and swaps it in; a ruleset that does
// not compile is refused and the running one stays.
func (t *tenant) reload(why string) error {
	t.reloading.Lock()
	defer t.reloading.Unlock()
	print, _ := fingerprint(t.rules)
	rs, diags, err := engine.Load(t.rules)
	log := t.d.log.With("tenant", t.name, "rules", t.rules, "why", why)
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		t.refused = &refusal{At: time.Now().UTC(), Error: err.Error(), Diags: diags, print: print}
		t.d.metrics.reloads.WithLabelValues(t.name, "refused").Inc()
		attrs := []any{"err", err}
		for i, d := range diags {
			if d.Severity == diag.Error && i < 10 {
				attrs = append(attrs, fmt.Sprintf("diag%d", i), d.Error())
			}
		}
		log.Error("ruleset refused: the running one stays", attrs...)
		return err
	}
	t.refused = nil
	t.print = print
	if rs.Version == t.rs.Version {
		log.Info("ruleset unchanged", "version", short(rs.Version))
		return nil
	}
	prev := t.rs
	t.rs, t.warnings, t.loadedAt = rs, diags, time.Now()
	t.eng.SetRuleset(rs)
	t.d.metrics.reloads.WithLabelValues(t.name, "ok").Inc()
	t.d.metrics.rulesetInfo(t.name, rs)
	log.Info("ruleset reloaded", "version", short(rs.Version), "previous", short(prev.Version), "rules", len(rs.Prog.Rules))
	t.warnMissing(rs)
	if t.timers != nil {
		signal(t.timers.reload)
	}
	return nil
}

func short(version string) string {
	if len(version) > 12 {
		return version[:12]
	}
	return version
}

// fingerprint hashes the names, sizes and modification times of the
// files a ruleset is read from: an artifact, or the .rules files under a
// folder.
func fingerprint(path string) ([sha256.Size]byte, error) {
	h := sha256.New()
	add := func(p string, fi fs.FileInfo) {
		var b [16]byte
		binary.LittleEndian.PutUint64(b[:8], uint64(fi.Size()))
		binary.LittleEndian.PutUint64(b[8:], uint64(fi.ModTime().UnixNano()))
		h.Write([]byte(p))
		h.Write(b[:])
	}
	fi, err := os.Stat(path)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	if !fi.IsDir() {
		add(path, fi)
	} else {
		err = filepath.WalkDir(path, func(p string, de fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if de.IsDir() || !strings.HasSuffix(p, ".rules") {
				return nil
			}
			fi, err := de.Info()
			if err != nil {
				return err
			}
			add(p, fi)
			return nil
		})
		if err != nil {
			return [sha256.Size]byte{}, err
		}
	}
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out, nil
}

// trace sees every log entry the engine committed: metrics, the daemon's
// own log, and wake-ups of the workers that have new work.
func (t *tenant) trace(l *store.LogEntry) {
	if t.d.opts.OnLog != nil {
		t.d.opts.OnLog(t.name, l)
	}
	m := t.d.metrics
	switch l.Kind {
	case store.KindFired:
		if l.Message == "" {
			m.fires.WithLabelValues(t.name, l.Rule).Inc()
		}
	case store.KindAction:
		if l.State == store.Pending {
			signal(t.actions.wake)
		}
		if l.Message != "" && strings.Contains(l.Message, "(event ") {
			signal(t.inbox.wake) // a record-changing action chained an event
		}
	case store.KindError:
		t.d.log.Warn("rule error", "tenant", t.name, "rule", l.Rule, "event", l.Event, "record", l.Record.String(), "err", l.Error)
	}
}
