package load

// This file measures the floor of the PostgreSQL figures: how many events
// per second the cluster can store if it does nothing but the writes the
// store makes for them, on the store's own tables, with pgbench as the
// only client. No daemon, no HTTP, no reads, no load generator take any
// of the machine, and the rows are made by PostgreSQL itself. A daemon
// processing events end to end cannot beat this rate on the same machine.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/automat-rules/automat/runtime/store/pgstore"
)

// A FloorShape is the writes per 100 events of one storage design.
type FloorShape struct {
	Name string
	// LogRows is the log rows written per 100 events; 0 writes none.
	LogRows int
	// Done is whether an event is marked done by an update (else it is
	// left as it was accepted).
	Done bool
}

// FloorShapes are the store as it is and two leaner designs, to tell
// what a change of storage could gain before building it.
var FloorShapes = []FloorShape{
	// The load's events as the store writes them today: per 100 events
	// 100 event entries, 91 firings and 75 actions in the log.
	{Name: "store", LogRows: 266, Done: true},
	// One log row per event, its firings and actions in it.
	{Name: "log_row_per_event", LogRows: 100, Done: true},
	// No log at all and no done mark: what every other write costs.
	{Name: "no_log_no_done", LogRows: 0, Done: false},
}

// floorScript is one pgbench transaction pair per 100 events, modelled on
// a load run (internal/daemon's statements, the load's row sizes): the
// inbox transaction accepting them, then the transaction processing them
// — done marks, their records' snapshots, once-claims for half of them,
// 75 outside actions, 5 internal ones, and the log.
func floorScript(s FloorShape) string {
	var b strings.Builder
	b.WriteString(`\set b random(1, 9000000000000)
BEGIN;
INSERT INTO events (tenant, id, type, at, record_type, record_id, data, depth, cause)
	SELECT 'load', :b || '-' || g, 'order.created', 1795000000000, 'order', 'O' || :b || '-' || g, repeat('d', 330), 0, ''
	FROM generate_series(1, 100) g ON CONFLICT (tenant, id) DO NOTHING;
COMMIT;
BEGIN;
`)
	if s.Done {
		b.WriteString(`UPDATE events SET done = true, data = NULL WHERE tenant = 'load' AND id = ANY(ARRAY(SELECT :b || '-' || g FROM generate_series(1, 100) g));
`)
	}
	b.WriteString(`INSERT INTO snapshots (tenant, record_type, record_id, data, at, event)
	SELECT 'load', 'order', 'O' || :b || '-' || g, repeat('s', 337), 1795000000000, :b || '-' || g FROM generate_series(1, 100) g
	ON CONFLICT (tenant, record_type, record_id) DO UPDATE SET data = excluded.data, at = excluded.at, event = excluded.event;
INSERT INTO once (tenant, rule, record_type, record_id, key)
	SELECT 'load', 'new order', 'order', 'O' || :b || '-' || g, '' FROM generate_series(1, 50) g;
INSERT INTO actions (tenant, id, run, rule, event, trigger, record_type, record_id, name, args, state, attempt, next_at, error, result, created, updated)
	SELECT 'load', :b || '-' || g || '/order/O' || g || '/new order/0', CASE WHEN g > 75 THEN 'run' ELSE '' END, 'new order',
		:b || '-' || g, 'order.created', 'order', 'O' || :b || '-' || g, CASE WHEN g > 75 THEN 'notify' ELSE 'email' END,
		repeat('a', 47), CASE WHEN g > 75 THEN 'done' ELSE 'pending' END, 0, 1795000000000, '', NULL, 1795000000000, 1795000000000
	FROM generate_series(1, 80) g;
`)
	if s.LogRows > 0 {
		// The first 100 rows are the events' entries, the next 91 the
		// firings, the rest the actions; a row per event carries its
		// firing's clauses and its action's arguments.
		fmt.Fprintf(&b, `INSERT INTO log (tenant, at, kind, rule, event, trigger, record_type, record_id, action, action_id, args, result, state, attempt, error, duration, clauses, message)
	SELECT 'load', 1795000000000, CASE WHEN g <= 100 THEN 'event' WHEN g <= 191 THEN 'fired' ELSE 'action' END,
		CASE WHEN g <= 100 THEN '' ELSE 'new order' END, :b || '-' || (g %% 100), 'order.created', 'order', 'O' || :b || '-' || (g %% 100),
		CASE WHEN g > 191 THEN 'email' ELSE '' END, CASE WHEN g > 191 THEN :b || '-' || g || '/order/new order/0' ELSE '' END,
		CASE WHEN g > 191 OR %[2]t THEN repeat('a', 47) END, NULL, CASE WHEN g > 191 THEN 'pending' ELSE '' END, 0, '', 0,
		CASE WHEN g BETWEEN 101 AND 191 OR %[2]t THEN repeat('c', 46) END, ''
	FROM generate_series(1, %[1]d) g;
`, s.LogRows, s.LogRows <= 100)
	}
	b.WriteString("COMMIT;\n")
	return b.String()
}

// Floor migrates the database at dsn to the store's schema, runs pgbench
// on it for d with 8 clients, each transaction pair the writes of 100
// events of shape s, and returns the events stored per second.
func Floor(ctx context.Context, dsn, bin string, s FloorShape, d time.Duration) (float64, error) {
	if _, _, err := pgstore.Migrate(ctx, dsn); err != nil {
		return 0, fmt.Errorf("floor: %w", err)
	}
	tps, err := runPgbench(ctx, dsn, bin, floorScript(s), d)
	if err != nil {
		return 0, fmt.Errorf("floor %s: %w", s.Name, err)
	}
	return tps * 100, nil
}
