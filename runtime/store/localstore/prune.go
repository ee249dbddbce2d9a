package localstore

import (
	"context"
	"fmt"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

// The prune statements take the oldest rows of a kind (limit of them, in
// the order of an index) and delete those past the cutoff, so each reads
// at most limit rows however large the table.
const (
	qPruneLog = `DELETE FROM log WHERE id IN (
		SELECT id FROM (SELECT id, at FROM log WHERE tenant = ?1 ORDER BY id LIMIT ?2) WHERE at < ?3)`
	qPruneEvents = `DELETE FROM events WHERE seq IN (
		SELECT seq FROM (SELECT seq, at FROM events WHERE tenant = ?1 AND done = 1 ORDER BY seq LIMIT ?2) WHERE at < ?3)`
	qPruneActions = `DELETE FROM actions WHERE tenant = ?1 AND id IN (
		SELECT id FROM (SELECT id, updated FROM actions WHERE tenant = ?1 AND state = ?4 ORDER BY next_at, id LIMIT ?2) WHERE updated < ?3)`
)

// Prune implements store.Store.
func (s *Store) Prune(ctx context.Context, tenant string, r store.Retention, limit int) (int, error) {
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("localstore: prune: %w", err)
	}
	defer sqlTx.Rollback()
	n := int64(0)
	for _, p := range []struct {
		q     string
		state store.ActionState
		cut   time.Time // zero: keep
	}{
		{qPruneLog, "", r.Log},
		{qPruneEvents, "", r.Events},
		{qPruneActions, store.Done, r.Actions},
		{qPruneActions, store.Failed, r.Actions},
	} {
		if p.cut.IsZero() {
			continue
		}
		res, err := sqlTx.ExecContext(ctx, p.q, tenant, limit, micros(p.cut), string(p.state))
		if err != nil {
			return 0, fmt.Errorf("localstore: prune: %w", err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("localstore: prune: %w", err)
		}
		n += k
	}
	if err := sqlTx.Commit(); err != nil {
		return 0, fmt.Errorf("localstore: prune: commit: %w", err)
	}
	return int(n), nil
}
