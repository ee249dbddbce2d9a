package daemon

// This file removes history past its retention (Config.Retention).

import (
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

// pruneLimit is how many rows of each kind one prune transaction
// removes: short transactions keep the intake and the workers going.
const pruneLimit = 5000

// prune removes each tenant's history past its retention, now and then
// every Retention.Every, until Stop.
func (d *Daemon) prune() {
	rt := &d.cfg.Retention
	for {
		now := time.Now()
		cut := func(a Age) time.Time {
			if a == 0 {
				return time.Time{}
			}
			return now.Add(-time.Duration(a))
		}
		r := store.Retention{Log: cut(rt.Log), Events: cut(rt.Events), Actions: cut(rt.Actions)}
		for _, t := range d.order {
			if d.stopping() {
				return
			}
			if !d.leads("retention/"+t.name, 2*rt.Every) {
				continue
			}
			total := 0
			for !d.stopping() {
				n, err := d.store.Prune(d.work, t.name, r, pruneLimit)
				if err != nil {
					if d.work.Err() == nil {
						d.log.Error("removing history past its retention", "tenant", t.name, "err", err)
					}
					break
				}
				total += n
				d.metrics.pruned.WithLabelValues(t.name).Add(float64(n))
				if n < pruneLimit {
					break
				}
			}
			if total > 0 {
				d.log.Info("removed history past its retention", "tenant", t.name, "rows", total)
			}
		}
		if !d.sleep(rt.Every, nil) {
			return
		}
	}
}

// leads reports whether this daemon does the work called name: always on
// a store of its own; on a shared store while it holds the lease of that
// name, renewed at each call.
func (d *Daemon) leads(name string, ttl time.Duration) bool {
	l, ok := d.store.(leader)
	if !ok || !shared(d.store) {
		return true
	}
	lead, err := l.TryLead(d.work, name, d.holder, ttl)
	if err != nil && d.work.Err() == nil {
		d.log.Error("renewing a lease", "lease", name, "err", err)
	}
	return lead
}
