package localstore

// This file defines the schema migrations: numbered .sql files embedded
// in the binary, applied in order, each in one transaction that also
// records it in schema_migrations.

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// A migration is one numbered schema change.
type migration struct {
	version int
	name    string // the file name
	sql     string
}

// migrations returns the embedded migrations in order. Their numbers must
// run 1, 2, 3, … without gaps (a test checks this).
func migrations() ([]migration, error) {
	files, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, f := range files {
		name := path.Base(f)
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != len(out)+1 {
			return nil, fmt.Errorf("migration %s: want a name starting %04d_", name, len(out)+1)
		}
		b, err := migrationFiles.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	return out, nil
}

// SchemaVersion is the schema version this binary's migrations lead to.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

const createMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at TEXT    NOT NULL
) STRICT`

// migrate applies the migrations db lacks, each in its own transaction,
// and returns the schema version before and after. It refuses a database
// whose schema is newer than the binary's: an older automatd must not
// write to tables it does not know.
func migrate(ctx context.Context, db *sql.DB, file string) (from, to int, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, 0, err
	}
	for first := true; ; first = false {
		before, after, err := migrateOne(ctx, db, ms)
		if first {
			from = before
		}
		if err != nil {
			return from, before, fmt.Errorf("localstore: %s: %w", file, err)
		}
		if after == before {
			return from, after, nil
		}
	}
}

// migrateOne applies the next migration db lacks, if any, and returns the
// schema version before and after. The version is read inside the write
// transaction, so two processes opening one file at once apply each
// migration once.
func migrateOne(ctx context.Context, db *sql.DB, ms []migration) (before, after int, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, createMigrations); err != nil {
		return 0, 0, fmt.Errorf("creating schema_migrations: %w", err)
	}
	var v sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, 0, fmt.Errorf("reading the schema version: %w", err)
	}
	cur := int(v.Int64)
	switch {
	case cur > len(ms):
		return cur, cur, fmt.Errorf("the database has schema version %d, newer than this program's %d: run a newer automatd (or restore a backup made for this version)", cur, len(ms))
	case cur == len(ms):
		return cur, cur, tx.Commit()
	}
	m := ms[cur]
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return cur, cur, fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return cur, cur, fmt.Errorf("migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return cur, cur, fmt.Errorf("migration %s: %w", m.name, err)
	}
	return cur, m.version, nil
}
