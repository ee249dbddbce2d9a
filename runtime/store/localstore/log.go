package localstore

// This file defines Log: event-log queries on the reader connections.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

// defaultLimit is the page size of a LogQuery without a Limit.
const defaultLimit = 100

// maxLimit bounds a page, whatever the query asks.
const maxLimit = 10000

// Log implements store.Store. The cursor is the id of the last entry of
// the page; the next page is the entries with a smaller id, so entries
// appended meanwhile never shift it.
func (s *Store) Log(ctx context.Context, tenant string, q store.LogQuery) ([]*store.LogEntry, string, error) {
	query, args, limit, err := logQuery(tenant, q)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	entries, err := scanAll(rows, err, scanEntry)
	if err != nil {
		return nil, "", fmt.Errorf("localstore: log: %w", err)
	}
	page, next := store.LogPage(entries, limit)
	return page, next, nil
}

// logQuery returns the SQL of a log query and its arguments; it asks for
// one entry more than the page's limit, to know whether there is a next
// page.
func logQuery(tenant string, q store.LogQuery) (query string, args []any, limit int, err error) {
	limit = q.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	where := []string{"tenant = ?"}
	args = []any{tenant}
	// index is the index that serves the most selective equality filter;
	// each ends in id, so the page is a backward range scan.
	index := ""
	eq := func(col, v, idx string) {
		if v == "" {
			return
		}
		where = append(where, col+" = ?")
		args = append(args, v)
		if index == "" {
			index = idx
		}
	}
	eq("event", q.Event, "log_event")
	eq("record_id", q.Record.ID, "log_record_id")
	eq("rule", q.Rule, "log_rule")
	eq("trigger", q.Trigger, "log_trigger")
	eq("record_type", q.Record.Type, "log_record_type")
	eq("kind", string(q.Kind), "log_kind")
	eq("action", q.Action, "log_action")
	if !q.From.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, micros(q.From))
	}
	if !q.To.IsZero() {
		where = append(where, "at < ?")
		args = append(args, micros(q.To))
	}
	if q.Cursor != "" {
		before, err := strconv.ParseInt(q.Cursor, 10, 64)
		if err != nil || before <= 0 {
			return "", nil, 0, fmt.Errorf("localstore: bad log cursor %q", q.Cursor)
		}
		where = append(where, "id < ?")
		args = append(args, before)
	}
	// A closed time range with no other filter reads the range from the
	// at index and sorts it (bounded by the range); everything else is a
	// backward scan of an index ending in id, which stops after one page
	// (an open range "since From" matches the newest entries first).
	from := "log"
	switch {
	case index != "":
		from += " INDEXED BY " + index
	case q.From.IsZero() || q.To.IsZero():
		from += " INDEXED BY log_all"
	default:
		from += " INDEXED BY log_at"
	}
	query = "SELECT id, " + logCols + " FROM " + from + " WHERE " + strings.Join(where, " AND ") +
		" ORDER BY id DESC LIMIT ?"
	return query, append(args, limit+1), limit, nil
}

func scanEntry(rows *sql.Rows) (*store.LogEntry, error) {
	e := new(store.LogEntry)
	var at, duration int64
	var args, result, clauses []byte
	err := rows.Scan(&e.ID, &at, &e.Kind, &e.Rule, &e.Event, &e.Trigger, &e.Record.Type, &e.Record.ID,
		&e.Action, &e.ActionID, &args, &result, &e.State, &e.Attempt, &e.Error, &duration, &clauses, &e.Message)
	if err != nil {
		return nil, err
	}
	e.At, e.Args, e.Result = timeOf(at), raw(args), raw(result)
	e.Duration = time.Duration(duration)
	if clauses != nil {
		if err := json.Unmarshal(clauses, &e.Clauses); err != nil {
			return nil, fmt.Errorf("log entry %d: clauses: %w", e.ID, err)
		}
	}
	return e, nil
}
