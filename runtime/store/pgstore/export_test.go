package pgstore

import (
	"context"

	"github.com/automat-rules/automat/runtime/store"
	"github.com/jackc/pgx/v5"
)

// ExecForTest runs one SQL statement on the database at dsn; tests use it
// to set up states the store never produces (a newer schema version).
func ExecForTest(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// RowsReadForTest returns how many rows the transaction tx has read so
// far from table and its indexes (heap rows of sequential scans plus
// index entries), from PostgreSQL's per-transaction statistics.
func RowsReadForTest(stx store.Tx, table string) (int64, error) {
	x := stx.(*tx)
	if err := x.flush(); err != nil {
		return 0, err
	}
	var n int64
	err := x.tx.QueryRow(x.ctx, `SELECT coalesce(sum(pg_stat_get_xact_tuples_returned(oid)), 0)::bigint FROM pg_class
		WHERE oid = $1::regclass OR oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = $1::regclass)`, table).Scan(&n)
	return n, err
}

// LogForTest runs the query of Store.Log in the transaction tx and
// returns how many entries it answered.
func LogForTest(stx store.Tx, q store.LogQuery) (int, error) {
	x := stx.(*tx)
	query, args, _, err := logQuery(x.tenant, q)
	if err != nil {
		return 0, err
	}
	rows, err := x.query(query, args...)
	entries, err := collect(rows, err, scanEntry)
	return len(entries), err
}

// PruneForTest runs the statements of Store.Prune in the transaction tx.
func PruneForTest(stx store.Tx, r store.Retention, limit int) (int, error) {
	x := stx.(*tx)
	if err := x.flush(); err != nil {
		return 0, err
	}
	return execPrune(x.ctx, x.tx, pruneBatch(x.tenant, r, limit))
}
