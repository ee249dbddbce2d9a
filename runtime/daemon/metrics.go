package daemon

// This file defines the daemon's Prometheus metrics (GET /metrics).

import (
	"github.com/automat-rules/automat/runtime/engine"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

type metrics struct {
	reg        *prometheus.Registry
	events     *prometheus.CounterVec   // tenant, result
	ingest     *prometheus.HistogramVec // kind (single, batch)
	processed  *prometheus.CounterVec   // tenant
	lag        *prometheus.HistogramVec // tenant
	fires      *prometheus.CounterVec   // tenant, rule
	actionTime *prometheus.HistogramVec // tenant, action, result
	actionFail *prometheus.CounterVec   // tenant, action, state
	depth      *prometheus.GaugeVec     // tenant, queue
	ticks      *prometheus.CounterVec   // tenant
	reloads    *prometheus.CounterVec   // tenant, result
	ruleset    *prometheus.GaugeVec     // tenant, version
	internal   *prometheus.CounterVec   // where
	pruned     *prometheus.CounterVec   // tenant
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "automat_events_received_total",
			Help: "Events received over HTTP, by result: new (stored), repeated (an id seen before) or rejected (4xx)."},
			[]string{"tenant", "result"}),
		ingest: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "automat_ingest_duration_seconds",
			Help:    "Time to answer POST /v1/events, durable store included, by single event or batch.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, []string{"kind"}),
		processed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "automat_events_processed_total",
			Help: "Inbox events processed (received and chained)."}, []string{"tenant"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "automat_event_lag_seconds",
			Help:    "Time from an event's acceptance (202) to the end of its processing.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}, []string{"tenant"}),
		fires: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "automat_rule_fires_total",
			Help: "Rule runs started (the condition held, frequency allowing)."}, []string{"tenant", "rule"}),
		actionTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "automat_action_duration_seconds",
			Help:    "Duration of outside action attempts, by result (ok, transient, permanent, unknown).",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}, []string{"tenant", "action", "result"}),
		actionFail: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "automat_action_failures_total",
			Help: "Failed outside action attempts, by what followed: retry, failed, dead or unknown."},
			[]string{"tenant", "action", "state"}),
		depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "automat_queue_depth",
			Help: "Work waiting, as last seen by the workers: pending inbox events and due actions (read in windows, so capped at a few hundred)."},
			[]string{"tenant", "queue"}),
		ticks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "automat_schedule_ticks_total",
			Help: "Schedule ticks run."}, []string{"tenant"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "automat_ruleset_reloads_total",
			Help: "Ruleset reloads, by result: ok or refused."}, []string{"tenant", "result"}),
		ruleset: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "automat_ruleset_info",
			Help: "The loaded ruleset: 1 for its version, per tenant."}, []string{"tenant", "version"}),
		internal: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "automat_internal_errors_total",
			Help: "Broken invariants reported and survived (panics recovered), by where."}, []string{"where"}),
		pruned: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "automat_pruned_rows_total",
			Help: "Rows of history removed past their retention (log entries, processed events, finished actions)."},
			[]string{"tenant"}),
	}
	m.reg.MustRegister(m.events, m.ingest, m.processed, m.lag, m.fires, m.actionTime, m.actionFail, m.depth,
		m.ticks, m.reloads, m.ruleset, m.internal, m.pruned,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// rulesetInfo makes rs the tenant's loaded ruleset in automat_ruleset_info.
func (m *metrics) rulesetInfo(tenant string, rs *engine.Ruleset) {
	m.ruleset.DeletePartialMatch(prometheus.Labels{"tenant": tenant})
	m.ruleset.WithLabelValues(tenant, short(rs.Version)).Set(1)
}
