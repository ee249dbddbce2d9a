package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/automat-rules/automat/runtime/store"
)

// The prune statements take the oldest rows of a kind (limit of them, in
// the order of an index) and delete those past the cutoff, so each reads
// at most limit rows however large the table. OFFSET 0 keeps the
// planner from flattening the window into the outer filter.
const (
	qPruneLog = `DELETE FROM log WHERE tenant = $1 AND id IN (
		SELECT id FROM (SELECT id, at FROM log WHERE tenant = $1 ORDER BY id LIMIT $2 OFFSET 0) o WHERE at < $3)`
	qPruneEvents = `DELETE FROM events WHERE tenant = $1 AND id IN (
		SELECT id FROM (SELECT id, at FROM events WHERE tenant = $1 AND done ORDER BY seq LIMIT $2 OFFSET 0) o WHERE at < $3)`
	qPruneActions = `DELETE FROM actions WHERE tenant = $1 AND id IN (
		SELECT id FROM (SELECT id, updated FROM actions WHERE tenant = $1 AND state = $4 ORDER BY next_at, id LIMIT $2 OFFSET 0) o
		WHERE updated < $3)`
)

// Prune implements store.Store.
func (s *Store) Prune(ctx context.Context, tenant string, r store.Retention, limit int) (int, error) {
	b := pruneBatch(tenant, r, limit)
	if b.Len() == 0 {
		return 0, nil
	}
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		n, err = execPrune(ctx, tx, b)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("pgstore: prune: %w", err)
	}
	return n, nil
}

// pruneBatch is the statements of a Prune (none when r keeps all).
func pruneBatch(tenant string, r store.Retention, limit int) *pgx.Batch {
	b := &pgx.Batch{}
	if r.Log.IsZero() && r.Events.IsZero() && r.Actions.IsZero() {
		return b
	}
	// Without statistics (a new database, a burst) the planner takes a
	// tenant for a sliver of a table and sorts all of it for the window;
	// the indexes give the order.
	b.Queue(`SET LOCAL enable_sort = off`)
	if !r.Log.IsZero() {
		b.Queue(qPruneLog, tenant, limit, micros(r.Log))
	}
	if !r.Events.IsZero() {
		b.Queue(qPruneEvents, tenant, limit, micros(r.Events))
	}
	if !r.Actions.IsZero() {
		for _, st := range []store.ActionState{store.Done, store.Failed} {
			b.Queue(qPruneActions, tenant, limit, micros(r.Actions), string(st))
		}
	}
	b.Queue(`SET LOCAL enable_sort TO DEFAULT`)
	return b
}

// execPrune sends b in tx and returns the rows it deleted.
func execPrune(ctx context.Context, tx pgx.Tx, b *pgx.Batch) (int, error) {
	res := tx.SendBatch(ctx, b)
	n := int64(0)
	for range b.Len() {
		tag, err := res.Exec()
		if err != nil {
			res.Close()
			return 0, err
		}
		n += tag.RowsAffected()
	}
	return int(n), res.Close()
}
