// Package localstore is the embedded default implementation of
// [store.Store]: the daemon's whole state in one local SQLite file, with
// no set-up. It is what `automatd --rules DIR` runs on; PostgreSQL
// (pgstore) takes over when several daemons share the work. It passes the
// conformance suite of storetest, plus a kill -9 test of its own.
//
// # Driver
//
// SQLite comes from modernc.org/sqlite, a translation of SQLite's C
// sources to Go: no cgo, so automatd stays one static binary that
// cross-compiles, at the price of slower queries than the C library
// (still far below the cost of the fsync every commit waits for).
//
// # Durability
//
// Every connection runs with journal_mode=WAL, synchronous=FULL,
// busy_timeout and foreign_keys on. In WAL mode with synchronous=FULL a
// commit returns only after the write-ahead log is synced to disk, so when
// [Store.Accept] or [Store.Update] returns nil the change survives kill -9
// and power loss (as far as the disk honours fsync). Readers never block
// the writer nor wait for it.
//
// # Connections
//
// All writes go through one connection (a database/sql pool of size one):
// SQLite runs one write transaction at a time anyway, and queueing in Go
// instead of on the file lock avoids SQLITE_BUSY storms and lock-upgrade
// deadlocks. Write transactions begin IMMEDIATE, and their statements are
// prepared once, when the store opens. [Store.Log] reads through a
// separate pool of query_only connections, so reading the log never waits
// for the engine. Update transactions are therefore serialisable; a
// transaction's fn runs exactly once.
//
// Accept commits in groups: Accepts that arrive while a commit is being
// synced are stored together by the next transaction, so concurrent HTTP
// requests share fsyncs instead of queueing for one each.
//
// # Schema
//
// The schema lives in numbered migrations (migrations/NNNN_name.sql,
// embedded), applied in order by [Open] and [Migrate], each in one
// transaction that also records it in schema_migrations. A database whose
// version is newer than the binary's is refused. Every table starts its
// keys with the tenant; times are UTC microseconds (INTEGER), JSON values
// TEXT exactly as given. Each query the store contract makes has an
// index: pending events (partial indexes on events not done), due runs
// (partial index on runs with a deadline), actions by state and NextAt,
// and for the log one index per filter ending in the entry id, so a page
// is a backward range scan from the cursor (the id of the last entry
// shown). See docs/store.md.
package localstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/automat-rules/automat/runtime/store"
)

// Store is a store.Store on one SQLite file. It is safe for concurrent
// use. Open one Store per file and process.
type Store struct {
	path  string
	w     *sql.DB              // the one writer connection
	r     *sql.DB              // readers (Log)
	stmts map[string]*sql.Stmt // the write transactions' statements, prepared on w
	acc   acceptor
}

// busyTimeout is how long (ms) a connection waits for a lock another
// process holds (a concurrent `automatd migrate`, a backup).
const busyTimeout = 10000

// dsn returns the driver's name for the file at abs with the connection
// settings every connection needs, plus extra ones.
func dsn(abs string, extra ...string) string {
	u := url.URL{Scheme: "file", Path: abs}
	q := []string{
		"_pragma=busy_timeout(" + strconv.Itoa(busyTimeout) + ")",
		"_pragma=foreign_keys(1)",
	}
	return u.String() + "?" + strings.Join(append(q, extra...), "&")
}

// openWriter opens the pool of one connection that writes the file,
// creating the file if needed.
func openWriter(ctx context.Context, abs string) (*sql.DB, error) {
	w, err := sql.Open("sqlite", dsn(abs,
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(FULL)",
		"_txlock=immediate"))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("localstore: opening %s: %w", abs, err)
	}
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		w.Close()
		return nil, fmt.Errorf("localstore: %s: journal mode %q, want wal (%v)", abs, mode, err)
	}
	return w, nil
}

func absPath(path string) (string, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return "", fmt.Errorf("localstore: want the path of a database file, got %q", path)
	}
	return filepath.Abs(path)
}

// Open opens the store in the SQLite file at path, creating it if it does
// not exist and applying the migrations it lacks. Its directory must
// exist.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := absPath(path)
	if err != nil {
		return nil, err
	}
	w, err := openWriter(ctx, abs)
	if err != nil {
		return nil, err
	}
	if _, _, err := migrate(ctx, w, abs); err != nil {
		w.Close()
		return nil, err
	}
	s := &Store{path: abs, w: w, stmts: make(map[string]*sql.Stmt)}
	for _, q := range writeQueries {
		st, err := w.PrepareContext(ctx, q)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("localstore: preparing %q: %w", q, err)
		}
		s.stmts[q] = st
	}
	s.r, err = sql.Open("sqlite", dsn(abs, "_pragma=query_only(1)"))
	if err != nil {
		s.Close()
		return nil, err
	}
	s.r.SetMaxOpenConns(4)
	s.r.SetMaxIdleConns(4)
	s.acc.start(s)
	return s, nil
}

// Migrate applies the migrations the file at path lacks (creating it if
// needed) and returns the schema version before and after; `automatd
// migrate` calls it. Open migrates too, so calling Migrate first is
// optional.
func Migrate(ctx context.Context, path string) (from, to int, err error) {
	abs, err := absPath(path)
	if err != nil {
		return 0, 0, err
	}
	w, err := openWriter(ctx, abs)
	if err != nil {
		return 0, 0, err
	}
	defer w.Close()
	return migrate(ctx, w, abs)
}

// Path returns the absolute path of the store's file.
func (s *Store) Path() string { return s.path }

// Close implements store.Store. It waits for running transactions.
func (s *Store) Close() error {
	s.acc.stop()
	var errs []error
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	return errors.Join(errs...)
}

// Update implements store.Store. Transactions run one at a time; fn runs
// once.
func (s *Store) Update(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("localstore: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			sqlTx.Rollback()
		}
	}()
	x := &tx{s: s, ctx: context.WithoutCancel(ctx), tx: sqlTx, bound: make(map[string]*sql.Stmt), tenant: tenant}
	if err := fn(x); err != nil {
		return err
	}
	committed = true
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("localstore: commit: %w", err)
	}
	return nil
}

var _ store.Store = (*Store)(nil)
