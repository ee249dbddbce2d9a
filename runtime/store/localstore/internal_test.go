package localstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "automat.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMigrationsNumbered(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || SchemaVersion() != len(ms) {
		t.Fatalf("%d migrations, SchemaVersion %d", len(ms), SchemaVersion())
	}
	for i, m := range ms {
		if m.version != i+1 || !strings.HasPrefix(m.name, fmt.Sprintf("%04d_", i+1)) || strings.TrimSpace(m.sql) == "" {
			t.Errorf("migration %d: %+v", i, m)
		}
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "automat.db")
	n := SchemaVersion()
	if from, to, err := Migrate(ctx, path); from != 0 || to != n || err != nil {
		t.Fatalf("Migrate(new file) = %d, %d, %v; want 0, %d", from, to, err, n)
	}
	if from, to, err := Migrate(ctx, path); from != n || to != n || err != nil {
		t.Fatalf("Migrate again = %d, %d, %v; want %d, %d", from, to, err, n, n)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.r.QueryContext(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprint(v, " ", name))
	}
	if len(got) != n || got[0] != "1 0001_init.sql" {
		t.Errorf("schema_migrations: %q", got)
	}
}

// TestNewerSchemaRefused checks that a binary does not write to a file
// migrated by a newer one.
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "automat.db")
	if _, _, err := Migrate(ctx, path); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	next := SchemaVersion() + 1
	if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (?, 'from the future', '2030-01-01T00:00:00Z')`, next); err != nil {
		t.Fatal(err)
	}
	db.Close()
	want := fmt.Sprintf("schema version %d, newer than this program's %d", next, next-1)
	if s, err := Open(ctx, path); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
		if s != nil {
			s.Close()
		}
		t.Errorf("Open of a newer file: %v; want an error naming the file and saying %q", err, want)
	}
	if _, _, err := Migrate(ctx, path); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Migrate of a newer file: %v", err)
	}
}

func TestOpenBadPath(t *testing.T) {
	ctx := context.Background()
	for _, p := range []string{"", ":memory:", "file:x.db", filepath.Join(t.TempDir(), "missing", "automat.db")} {
		if s, err := Open(ctx, p); err == nil {
			s.Close()
			t.Errorf("Open(%q): no error", p)
		}
	}
	// Odd characters in the path are a file name, not URI syntax.
	dir := filepath.Join(t.TempDir(), "a dir?x=1#y%20")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, filepath.Join(dir, "automat.db"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(filepath.Join(dir, "automat.db")); err != nil {
		t.Error(err)
	}
}

func TestPragmas(t *testing.T) {
	s := openTemp(t)
	for _, c := range []struct {
		db          *sql.DB
		pragma, val string
	}{
		{s.w, "journal_mode", "wal"},
		{s.w, "synchronous", "2"}, // FULL
		{s.w, "foreign_keys", "1"},
		{s.w, "busy_timeout", fmt.Sprint(busyTimeout)},
		{s.r, "journal_mode", "wal"},
		{s.r, "query_only", "1"},
		{s.r, "busy_timeout", fmt.Sprint(busyTimeout)},
	} {
		var got string
		if err := c.db.QueryRow("PRAGMA " + c.pragma).Scan(&got); err != nil || got != c.val {
			t.Errorf("PRAGMA %s = %q, %v; want %q", c.pragma, got, err, c.val)
		}
	}
}

// plan returns SQLite's query plan for query, with every parameter 0.
func plan(t *testing.T, db *sql.DB, query string, args []any) string {
	t.Helper()
	if args == nil {
		args = make([]any, strings.Count(query, "?"))
		for i := range args {
			args[i] = 0
		}
	}
	rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	return strings.Join(steps, "; ")
}

// badPlan reports a full table scan or a sort.
func badPlan(p string) bool {
	for _, step := range strings.Split(p, "; ") {
		// A scan of a subquery reads the rows its LIMIT lets through.
		if strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, "INDEX") && !strings.HasPrefix(step, "SCAN (subquery-") ||
			strings.Contains(step, "TEMP B-TREE") {
			return true
		}
	}
	return false
}

// TestQueryPlans checks that every query the store makes is served by an
// index: no full scans, no sorts.
func TestQueryPlans(t *testing.T) {
	s := openTemp(t)
	for _, q := range writeQueries {
		if p := plan(t, s.w, q, nil); badPlan(p) {
			t.Errorf("%s\n  plan: %s", q, p)
		}
	}
	for _, q := range []string{qPruneLog, qPruneEvents, qPruneActions} {
		if p := plan(t, s.w, q, []any{"t", 10, 0, "done"}); badPlan(p) {
			t.Errorf("%s\n  plan: %s", q, p)
		}
	}
	at := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	for _, q := range []store.LogQuery{
		{},
		{Cursor: "100"},
		{Rule: "r", Cursor: "100"},
		{Trigger: "status"},
		{Kind: store.KindError},
		{Record: store.Ref{Type: "order"}},
		{Record: store.Ref{ID: "O-1"}},
		{Record: store.Ref{Type: "order", ID: "O-1"}, Rule: "r", Kind: store.KindFired},
		{Event: "e", Rule: "r"},
		{Rule: "r", From: at, To: at.Add(time.Hour)},
		{From: at},
		{To: at, Cursor: "100"},
	} {
		query, args, _, err := logQuery("t", q)
		if err != nil {
			t.Fatal(err)
		}
		if p := plan(t, s.r, query, args); badPlan(p) {
			t.Errorf("Log(%+v)\n  plan: %s", q, p)
		}
	}
	// A closed time range alone is read from the at index and sorted.
	query, args, _, _ := logQuery("t", store.LogQuery{From: at, To: at.Add(time.Hour)})
	if p := plan(t, s.r, query, args); !strings.Contains(p, "USING INDEX log_at (tenant=? AND at>? AND at<?)") {
		t.Errorf("Log(time range)\n  plan: %s", p)
	}
}

// TestUpdatePanics checks that a panic in fn rolls back and leaves the
// writer connection usable.
func TestUpdatePanics(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	func() {
		defer func() { recover() }()
		s.Update(ctx, "t", func(tx store.Tx) error {
			tx.NextSeq("n")
			panic("boom")
		})
	}()
	var n int64
	err := s.Update(ctx, "t", func(tx store.Tx) error {
		var err error
		n, err = tx.NextSeq("n")
		return err
	})
	if err != nil || n != 1 {
		t.Errorf("NextSeq after a panicking Update = %d, %v; want 1", n, err)
	}
}

// TestLogCursorErrors checks bad cursors are refused before any query.
func TestLogCursorErrors(t *testing.T) {
	for _, c := range []string{"x", "0", "-5", "1e3"} {
		if _, _, _, err := logQuery("t", store.LogQuery{Cursor: c}); err == nil || errors.Is(err, store.ErrNotFound) {
			t.Errorf("cursor %q: %v", c, err)
		}
	}
}
