package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/automat-rules/automat/runtime/daemon"
	"github.com/automat-rules/automat/runtime/store"
)

// runLog prints a tenant's event log from the store, newest first: the
// command-line form of GET /v1/log.
func runLog(e *env, args []string) int {
	fs := flag.NewFlagSet("automatd log", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	sf := addStoreFlags(fs)
	tenant := fs.String("tenant", "", "the tenant (default: the only one of --config, or \"default\")")
	rule := fs.String("rule", "", "only entries of this rule")
	recType := fs.String("record-type", "", "only entries of this record type")
	recID := fs.String("record-id", "", "only entries of this record id")
	trigger := fs.String("trigger", "", "only entries with this trigger (order.created, schedule \"@daily\", ...)")
	kind := fs.String("kind", "", "only entries of this kind: event, fired, action, stopped, error")
	event := fs.String("event", "", "only entries of this event id")
	from := fs.String("from", "", "only entries at or after this time (RFC 3339 or a date)")
	to := fs.String("to", "", "only entries before this time")
	limit := fs.Int("limit", 50, "at most this many entries")
	format := fs.String("format", "text", "text or json (one entry per line, as GET /v1/log)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	url, cfg, err := sf.resolve()
	if err != nil {
		fmt.Fprintf(e.stderr, "automatd log: %v\n", err)
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(e.stderr, "automatd log: --format %q: want text or json\n", *format)
		return exitUsage
	}
	if *tenant == "" {
		*tenant = daemon.DefaultTenant
		if cfg != nil && len(cfg.Tenants) == 1 {
			*tenant = cfg.Tenants[0].Name
		} else if cfg != nil && len(cfg.Tenants) > 1 {
			fmt.Fprintln(e.stderr, "automatd log: the configuration has several tenants: give --tenant")
			return exitUsage
		}
	}
	q := store.LogQuery{Rule: *rule, Trigger: *trigger, Kind: store.LogKind(*kind), Event: *event,
		Record: store.Ref{Type: *recType, ID: *recID}}
	for _, p := range []struct {
		flag, val string
		t         *time.Time
	}{{"from", *from, &q.From}, {"to", *to, &q.To}} {
		if p.val == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, p.val)
		if err != nil {
			t, err = time.Parse(time.DateOnly, p.val)
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "automatd log: --%s %q: want a time such as 2026-11-22T10:00:00Z or a date\n", p.flag, p.val)
			return exitUsage
		}
		*p.t = t.UTC()
	}
	ctx := context.Background()
	s, err := daemon.OpenStore(ctx, url)
	if err != nil {
		fmt.Fprintf(e.stderr, "automatd log: %v\n", err)
		return exitFail
	}
	defer s.Close()
	n := 0
	for n < *limit {
		q.Limit = min(*limit-n, 1000)
		entries, next, err := s.Log(ctx, *tenant, q)
		if err != nil {
			fmt.Fprintf(e.stderr, "automatd log: %v\n", err)
			return exitFail
		}
		for _, l := range entries {
			if *format == "json" {
				b, _ := json.Marshal(l)
				fmt.Fprintf(e.stdout, "%s\n", b)
			} else {
				fmt.Fprintln(e.stdout, formatEntry(l))
			}
		}
		n += len(entries)
		if next == "" {
			break
		}
		q.Cursor = next
	}
	return exitOK
}

// formatEntry renders a log entry on one line for people.
func formatEntry(l *store.LogEntry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-7s %s", l.At.UTC().Format(time.RFC3339), l.Kind, l.Record)
	if l.Rule != "" {
		fmt.Fprintf(&b, " rule=%q", l.Rule)
	}
	if l.Trigger != "" {
		fmt.Fprintf(&b, " trigger=%q", l.Trigger)
	}
	if l.Event != "" {
		fmt.Fprintf(&b, " event=%s", l.Event)
	}
	if l.Action != "" {
		fmt.Fprintf(&b, " action=%s state=%s attempt=%d", l.Action, l.State, l.Attempt)
		if len(l.Args) > 0 {
			fmt.Fprintf(&b, " args=%s", l.Args)
		}
	}
	for _, c := range l.Clauses {
		fmt.Fprintf(&b, " [%s = %s]", c.Text, c.Value)
	}
	if l.Message != "" {
		fmt.Fprintf(&b, " : %s", l.Message)
	}
	if l.Error != "" {
		fmt.Fprintf(&b, " error: %s", l.Error)
	}
	return b.String()
}
