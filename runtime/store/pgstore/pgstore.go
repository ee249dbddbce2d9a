// Package pgstore is the PostgreSQL implementation of store.Store, for
// production and for several automatd processes sharing one database
// (SPEC §2.2). It passes the same conformance suite (storetest) as the
// embedded store.
//
// Transactions run at READ COMMITTED, made safe by claims and row locks
// rather than by SERIALIZABLE (whose false conflicts made about half of
// the event-processing transactions run twice). A record is claimed with
// a transaction-scoped advisory lock, always in a statement of its own
// before the record is read, so that the reads see what the previous
// holder committed: PendingFor and Prefetch claim the records whose
// events a transaction processes (skipping those another holds), Claim,
// ClaimOnce and Enqueue wait for theirs. Runs and actions are read FOR
// UPDATE (a record's runs SKIP LOCKED); the once-ledger, sequences and
// the inbox rely on INSERT ... ON CONFLICT and row locks. The engine
// only processes the oldest pending event of a record, so a record's
// events run once, in order, whichever daemon takes them. Queue reads
// (DueRuns, DueActions) skip rows another transaction has locked. A
// transaction is retried after a deadlock. TryLead gives one daemon at a
// time the schedule ticks, with a lease that expires.
//
// Writes whose outcome is not read are sent set-based (unnest of arrays),
// a few statements per round trip, before the next read or the commit
// (writes.go); what a batch of events will read about its records is
// read ahead in one round trip (prefetch.go).
//
// Schema changes are numbered SQL files (migrations/), applied in order
// under an advisory lock, each in its own transaction, recorded in
// schema_migrations; a database newer than the binary is refused.
package pgstore

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/automat-rules/automat/runtime/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLock is the advisory lock key that serializes migrations of
// daemons starting at once.
const migrationLock = 0x6175746f6d6174 // "automat"

// maxRetries bounds the retries of a transaction that was cancelled as
// a deadlock victim (or, on a session set to SERIALIZABLE, a conflict).
const maxRetries = 30

// Store is a store.Store on a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
}

// Open connects to the database at dsn (postgres://...), applies the
// migrations it lacks and returns the store.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	// pgx prepares each statement once per connection, and after five
	// runs PostgreSQL may keep a generic plan made when the tables were
	// small: on a new database, the update of an action by its key
	// became a scan of the whole table (3,700 pages per update after
	// 20,000 events). Plan every run with its values unless the DSN says
	// otherwise.
	if _, ok := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	if _, _, err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool}, nil
}

// Migrate applies the migrations the database at dsn lacks and returns
// the schema versions before and after (automatd migrate).
func Migrate(ctx context.Context, dsn string) (from, to int, err error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return 0, 0, fmt.Errorf("pgstore: %w", err)
	}
	defer pool.Close()
	return migrate(ctx, pool)
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []migration
	for i, n := range names {
		base := strings.TrimPrefix(n, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil || v != i+1 {
			return nil, fmt.Errorf("pgstore: migration %s: want number %04d", base, i+1)
		}
		b, err := migrationFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{v, base, string(b)})
	}
	return out, nil
}

func migrate(ctx context.Context, pool *pgxpool.Pool) (from, to int, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, 0, err
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("pgstore: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
		return 0, 0, fmt.Errorf("pgstore: migration lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return 0, 0, fmt.Errorf("pgstore: %w", err)
	}
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&from); err != nil {
		return 0, 0, fmt.Errorf("pgstore: %w", err)
	}
	if from > len(ms) {
		return from, from, fmt.Errorf("pgstore: the database has schema version %d, newer than this automatd (%d): upgrade automatd", from, len(ms))
	}
	for _, m := range ms[from:] {
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return from, from, fmt.Errorf("pgstore: migration %s: %w", m.name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			return from, from, fmt.Errorf("pgstore: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return from, from, fmt.Errorf("pgstore: migrations: %w", err)
	}
	return from, len(ms), nil
}

// Shared reports that several daemons may use the store at once: the
// daemon leases the actions it takes.
func (s *Store) Shared() bool { return true }

// Close closes the connection pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// retryable reports whether err is a serialization failure or a deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// Update implements store.Store: fn runs in a READ COMMITTED transaction,
// again after a deadlock.
func (s *Store) Update(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	return retry(ctx, func() error { return s.update(ctx, tenant, fn) })
}

// retry runs fn, a whole transaction, again after a serialization
// conflict or a deadlock.
func retry(ctx context.Context, fn func() error) error {
	var err error
	for attempt := 0; attempt < maxRetries; attempt++ {
		if err = fn(); !retryable(err) {
			return err
		}
		// Back off a little, growing, so conflicting daemons spread out.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * time.Millisecond):
		}
	}
	return fmt.Errorf("pgstore: gave up after %d serialization conflicts: %w", maxRetries, err)
}

func (s *Store) update(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	defer ptx.Rollback(context.WithoutCancel(ctx))
	// A begun transaction runs to its end: cancelling ctx mid-way would
	// only turn a commit into a rollback at a random point.
	x := &tx{ctx: context.WithoutCancel(ctx), tx: ptx, tenant: tenant}
	if err := fn(x); err != nil {
		return err
	}
	if err := x.flush(); err != nil {
		return err
	}
	return ptx.Commit(x.ctx)
}

// Accept implements store.Store. Concurrent Accepts of one id: the second
// waits for the first to commit and finds it there. Two batches that
// share ids in different orders can deadlock, each waiting for the
// other's row; PostgreSQL cancels one, which is then accepted again.
func (s *Store) Accept(ctx context.Context, tenant string, events []*store.Event) ([]bool, error) {
	var fresh []bool
	err := retry(ctx, func() (err error) {
		fresh, err = s.accept(ctx, tenant, events)
		return err
	})
	if err != nil {
		return nil, err
	}
	return fresh, nil
}

// qAccept inserts a batch of events in one statement, in the batch's
// order (seq grows with it); an id seen before, or earlier in the batch,
// is not inserted again.
const qAccept = `INSERT INTO events (tenant, id, type, at, record_type, record_id, data, depth, cause)
	SELECT $1, id, type, at, rt, ri, data, depth, cause
	FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[])
		WITH ORDINALITY AS u(id, type, at, rt, ri, data, depth, cause, ord)
	ORDER BY ord
	ON CONFLICT (tenant, id) DO NOTHING RETURNING id, seq`

func (s *Store) accept(ctx context.Context, tenant string, events []*store.Event) ([]bool, error) {
	n := len(events)
	ids, types, rts, ris, causes := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ats, data, depths := make([]int64, n), make([]*string, n), make([]int32, n)
	for k, e := range events {
		ids[k], types[k], ats[k], rts[k], ris[k] = e.ID, e.Type, micros(e.At), e.Record.Type, e.Record.ID
		data[k], depths[k], causes[k] = text(e.Data), int32(e.Depth), e.Cause
	}
	seqOf := make(map[string]int64, n)
	rows, err := s.pool.Query(ctx, qAccept, tenant, ids, types, ats, rts, ris, data, depths, causes)
	_, err = collect(rows, err, func(r pgx.Rows) (struct{}, error) {
		var id string
		var seq int64
		err := r.Scan(&id, &seq)
		seqOf[id] = seq
		return struct{}{}, err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: accepting %d events: %w", n, err)
	}
	// One statement is one transaction: committed once it returned.
	fresh := make([]bool, n)
	for k, e := range events {
		if seq, ok := seqOf[e.ID]; ok {
			fresh[k], e.Seq = true, seq
			delete(seqOf, e.ID) // a repeat later in the batch is not fresh
		}
	}
	return fresh, nil
}

// TryLead makes holder the holder of the lease called name for ttl, if
// nobody else holds it or their lease expired, and reports whether
// holder holds it now. A holder renews by calling it again before ttl
// passes; a killed holder is replaced once its lease expires.
func (s *Store) TryLead(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := time.Now()
	var got string
	err := s.pool.QueryRow(ctx, `INSERT INTO leases (name, holder, expires) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
		WHERE leases.holder = excluded.holder OR leases.expires < $4
		RETURNING holder`, name, holder, micros(now.Add(ttl)), micros(now)).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("pgstore: lease %q: %w", name, err)
	}
	return got == holder, nil
}

// Log implements store.Store: newest first; the cursor is the id of the
// page's last entry, so entries appended meanwhile never shift a page.
func (s *Store) Log(ctx context.Context, tenant string, q store.LogQuery) ([]*store.LogEntry, string, error) {
	query, args, limit, err := logQuery(tenant, q)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.pool.Query(ctx, query, args...)
	entries, err := collect(rows, err, scanEntry)
	if err != nil {
		return nil, "", fmt.Errorf("pgstore: log: %w", err)
	}
	page, next := store.LogPage(entries, limit)
	return page, next, nil
}

// logQuery returns the SQL and arguments of a page of the log, which
// asks for one entry more than limit (there is a next page).
func logQuery(tenant string, q store.LogQuery) (string, []any, int, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 10000)
	where := []string{"tenant = $1"}
	args := []any{tenant}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	for _, f := range []struct{ col, v string }{
		{"event", q.Event}, {"record_id", q.Record.ID}, {"rule", q.Rule}, {"trigger", q.Trigger},
		{"record_type", q.Record.Type}, {"kind", string(q.Kind)}, {"action", q.Action},
	} {
		if f.v != "" {
			add(f.col+" = $%d", f.v)
		}
	}
	if !q.From.IsZero() {
		add("at >= $%d", micros(q.From))
	}
	if !q.To.IsZero() {
		add("at < $%d", micros(q.To))
	}
	if q.Cursor != "" {
		before, err := strconv.ParseInt(q.Cursor, 10, 64)
		if err != nil || before <= 0 {
			return "", nil, 0, fmt.Errorf("pgstore: bad log cursor %q", q.Cursor)
		}
		add("id < $%d", before)
	}
	args = append(args, limit+1)
	query := "SELECT id, " + logCols + " FROM log WHERE " + strings.Join(where, " AND ") +
		fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args))
	return query, args, limit, nil
}

func scanEntry(rows pgx.Rows) (*store.LogEntry, error) {
	e := new(store.LogEntry)
	var at, duration int64
	var args, result, clauses *string
	err := rows.Scan(&e.ID, &at, &e.Kind, &e.Rule, &e.Event, &e.Trigger, &e.Record.Type, &e.Record.ID,
		&e.Action, &e.ActionID, &args, &result, &e.State, &e.Attempt, &e.Error, &duration, &clauses, &e.Message)
	if err != nil {
		return nil, err
	}
	e.At, e.Args, e.Result = timeOf(at), raw(args), raw(result)
	e.Duration = time.Duration(duration)
	if clauses != nil {
		if err := json.Unmarshal([]byte(*clauses), &e.Clauses); err != nil {
			return nil, fmt.Errorf("log entry %d: clauses: %w", e.ID, err)
		}
	}
	return e, nil
}

var _ store.Store = (*Store)(nil)
