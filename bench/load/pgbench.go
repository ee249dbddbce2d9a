package load

// This file runs pgbench, the physical reference of the PostgreSQL
// figures: how many single-row inserts per second the same cluster
// commits, with nothing of Automat in the way.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgbenchScript inserts one event-sized JSON row per transaction (about
// the size of an event of a load run).
const pgbenchScript = `INSERT INTO pgbench_events (tenant, event_id, body) VALUES ('load', 'e-' || random(), '{"id": "O000001-0", "type": "order.created", "at": "2026-11-22T10:00:00Z", "record": {"type": "order", "id": "O000001", "data": {"id": "O000001", "number": "1001", "status": "Nová", "channel": "shoptet", "total": "249.90", "currency": "CZK", "paid": "unpaid", "payment_method": "card", "buyer": {"name": "Jana Nováková", "email": "jana@example.cz", "phone": "+420601123456"}, "items": [{"name": "Boty", "code": "B-1", "quantity": 1, "price": "249.90", "stock": 4}]}}}');
`

var tpsLine = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)

// Pgbench runs pgbench against the database at dsn for d with 8 clients
// on 2 threads, each transaction one INSERT of an event row, and returns
// its transactions per second. bin is a folder to look for pgbench in
// when it is not on PATH ("" for none).
func Pgbench(ctx context.Context, dsn, bin string, d time.Duration) (float64, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, fmt.Errorf("pgbench: %w", err)
	}
	_, err = conn.Exec(ctx, `CREATE TABLE pgbench_events (id bigserial PRIMARY KEY, tenant text NOT NULL, event_id text NOT NULL, body jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())`)
	conn.Close(ctx)
	if err != nil {
		return 0, fmt.Errorf("pgbench: creating its table: %w", err)
	}
	return runPgbench(ctx, dsn, bin, pgbenchScript, d)
}

// runPgbench runs pgbench with script on the database at dsn for d with 8
// clients on 2 threads and returns its transactions per second.
func runPgbench(ctx context.Context, dsn, bin, script string, d time.Duration) (float64, error) {
	exe, err := findPgbench(bin)
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "automat-pgbench-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "script.sql")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		return 0, err
	}
	secs := max(1, int(d.Round(time.Second)/time.Second))
	cmd := exec.CommandContext(ctx, exe, "-n", "-c", "8", "-j", "2", "-T", strconv.Itoa(secs), "-f", file, dsn)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %v\n%s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench printed no tps:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// findPgbench looks for pgbench on PATH, in bin, then in Debian's
// /usr/lib/postgresql/*/bin (the newest).
func findPgbench(bin string) (string, error) {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	cands := []string{}
	if bin != "" {
		cands = append(cands, filepath.Join(bin, "pgbench"))
	}
	ms, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	for i := len(ms) - 1; i >= 0; i-- {
		cands = append(cands, ms[i])
	}
	for _, c := range cands {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", errors.New("pgbench not found (Debian: apt-get install postgresql-contrib)")
}
