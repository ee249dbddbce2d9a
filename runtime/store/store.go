// Package store defines where the engine keeps its state: record
// snapshots, the inbox of events, the once-ledger, rule runs that wait
// (for a time, a condition or an action), per-tenant sequences, the action
// queue and the event log. It is the contract between the engine
// (runtime/engine), which decides what happens, and the implementations
// that make it durable: memstore (in memory, for dry runs and tests),
// localstore (an embedded SQLite file, the daemon's default) and pgstore
// (PostgreSQL, for several daemons). Every implementation passes the
// conformance suite in storetest.
//
// All state belongs to a tenant; a [Tx] sees only its tenant's rows. The
// engine changes state only inside [Store.Update], so a state change and
// the work it causes (log entries, queued actions, chained events, waits)
// are committed together or not at all.
//
// Ids (of events, runs, actions, sequences, once claims) are per tenant:
// the same id in two tenants names two rows. Stores keep times as UTC
// microseconds (the engine truncates the times it stores); JSON fields
// come back equal to what was stored once both are compacted (keys in
// their order, numbers as written).
package store

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// ErrNotFound is returned (wrapped) when a row asked for by id does not
// exist.
var ErrNotFound = errors.New("not found")

// Store is a durable (or, for memstore, in-memory) home of the engine's
// state. Implementations are safe for concurrent use.
type Store interface {
	// Update runs fn in one transaction on tenant's state and commits it
	// when fn returns nil; on an error nothing fn did is kept. An
	// implementation may run fn again after a serialization conflict, so
	// fn must not have effects outside tx.
	Update(ctx context.Context, tenant string, fn func(tx Tx) error) error
	// Accept stores events in the inbox durably, in one transaction, and
	// reports for each whether it was new (false: an event with the same
	// id was accepted before, and it is not stored again). When Accept
	// returns nil, the events survive a crash.
	Accept(ctx context.Context, tenant string, events []*Event) (fresh []bool, err error)
	// Log returns entries of tenant's event log matching q, newest first,
	// and the cursor of the next page ("" on the last page, even when it
	// is full). Entries appended later do not shift the pages after a
	// cursor.
	Log(ctx context.Context, tenant string, q LogQuery) (entries []*LogEntry, next string, err error)
	// Prune removes tenant's rows that r lets go, the oldest first, up
	// to limit of each kind (log entries, inbox events, actions) in one
	// short transaction, and returns how many it removed. Removing all
	// is calling it until it returns less than limit. Rows are taken
	// in the order they were written, so a row written after a newer
	// one may outlive its cutoff until that one goes.
	Prune(ctx context.Context, tenant string, r Retention, limit int) (int, error)
	// Close releases the store's resources.
	Close() error
}

// Retention says what [Store.Prune] removes: the rows older than each
// cutoff; a zero cutoff keeps that kind of row.
type Retention struct {
	// Log: entries logged before it.
	Log time.Time
	// Events: inbox events done whose time (At) is before it. A repeat
	// of a removed event's id is accepted as a new event.
	Events time.Time
	// Actions: actions done or failed for good, last updated before it
	// (dead and unknown ones wait for a person; pending ones for their
	// turn).
	Actions time.Time
}

// Prefetcher is implemented by a Tx that can read ahead: before
// processing a batch of events, the engine names their records, and the
// Tx reads what PendingFor, Snapshot and RunsOf will be asked about them
// at once (on PostgreSQL, one round trip instead of three per event).
// Reading ahead changes no result: PendingFor's claim is taken as
// PendingFor would take it, and the Tx's own writes stay visible.
type Prefetcher interface {
	Prefetch(refs []Ref) error
}

// Tx is one transaction on one tenant's state. It is used by one
// goroutine and only inside the function given to [Store.Update].
type Tx interface {
	// Tenant returns the tenant whose state tx changes.
	Tenant() string

	// AddEvent puts an event in the inbox, as Store.Accept does; the
	// engine uses it for the events that record-changing actions
	// produce. It reports false when the id was seen before.
	AddEvent(e *Event) (fresh bool, err error)
	// Pending returns up to limit events of the inbox that are not done
	// and were accepted after the event with Seq after (0: from the
	// first), in the order they were accepted. A reader that pages with
	// after does not read again, at every poll, the front of a long inbox.
	Pending(after int64, limit int) ([]*Event, error)
	// PendingFor is Pending restricted to one record's events. On a
	// store shared by several processes, calling it claims the record
	// for the transaction, and it returns none while another
	// transaction holds the claim (the events are taken later).
	PendingFor(r Ref, limit int) ([]*Event, error)
	// Done marks an inbox event processed (ErrNotFound for an unknown
	// id).
	Done(eventID string) error

	// Claim makes tx the only transaction working on a record until it
	// ends, waiting while another holds it. A transaction that reads a
	// record's snapshot to write it back changed claims the record first
	// (PendingFor does, for the records whose events it processes); one
	// that only reads does not need to. A store with a single writer has
	// nothing to do.
	Claim(r Ref) error
	// Snapshot returns the last stored snapshot of a record, or nil.
	Snapshot(r Ref) (*Snapshot, error)
	// PutSnapshot stores a record's snapshot, replacing the last one.
	PutSnapshot(s *Snapshot) error
	// Snapshots returns up to limit snapshots of record type typ with an id
	// greater than after, ordered by id (schedule ticks page through all
	// records of a type this way).
	Snapshots(typ, after string, limit int) ([]*Snapshot, error)

	// ClaimOnce records that rule fired for (record, key) and reports
	// whether this is the first time (true) or it had fired before
	// (false). The ledger is never cleared: it is what makes `once` hold
	// across restarts.
	ClaimOnce(rule string, r Ref, key string) (bool, error)

	// PutRun stores a rule run that waits, replacing one with the same id.
	PutRun(run *Run) error
	// Run returns the run with the given id, or ErrNotFound.
	Run(id string) (*Run, error)
	// DeleteRun removes a run (it ended); a missing run is no error.
	DeleteRun(id string) error
	// RunsOf returns the runs waiting on one record, in the order they
	// were first stored.
	RunsOf(r Ref) ([]*Run, error)
	// DueRuns returns up to limit runs whose Due is set and not after now,
	// ordered by Due, then id.
	DueRuns(now time.Time, limit int) ([]*Run, error)
	// NextDue returns the earliest Due of all runs, or the zero time.
	NextDue() (time.Time, error)

	// NextSeq increments the named sequence and returns its new value
	// (the first value is 1).
	NextSeq(name string) (int64, error)

	// Enqueue adds an action to the queue (state pending); an action
	// with the id of an existing one is an error wrapping ErrDuplicate,
	// after which tx stays usable.
	Enqueue(a *Action) error
	// Action returns the action with the given id, or ErrNotFound.
	Action(id string) (*Action, error)
	// UpdateAction stores a changed action (state, attempt, error, ...);
	// ErrNotFound if there is none with its id.
	UpdateAction(a *Action) error
	// Actions returns up to limit actions in the given state, ordered by
	// NextAt then id; DueActions those pending with NextAt not after now.
	Actions(state ActionState, limit int) ([]*Action, error)
	DueActions(now time.Time, limit int) ([]*Action, error)

	// Append adds entries to the event log; the store assigns their IDs
	// in append order.
	Append(entries ...*LogEntry) error
}

// ErrDuplicate is returned (wrapped) when a row with the same key exists.
var ErrDuplicate = errors.New("duplicate")

// Ref names a record: its type and its id in the shop system.
type Ref struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

func (r Ref) String() string { return r.Type + "/" + r.ID }

// Event is one event of SPEC §3 as the inbox keeps it.
type Event struct {
	ID     string    `json:"id"`
	Type   string    `json:"type"` // "order.created"
	At     time.Time `json:"at"`
	Record Ref       `json:"record"`
	// Data is the record's full snapshot (a JSON object), as received.
	Data json.RawMessage `json:"data"`
	// Depth is 0 for an event from outside, and one more than its
	// cause's for an event a record-changing action produced.
	Depth int `json:"depth,omitempty"`
	// Cause is the id of the event whose rule produced this one, or "".
	Cause string `json:"cause,omitempty"`
	// Seq is the store's acceptance order (assigned on accept).
	Seq int64 `json:"-"`
}

// Snapshot is the last known state of a record.
type Snapshot struct {
	Ref  Ref
	Data json.RawMessage
	// At is the time of the event that brought this state; Event its id.
	At    time.Time
	Event string
}

// RunState says what a stored run waits for.
type RunState string

// Run states.
const (
	WaitTime   RunState = "wait"       // `wait D`: continue at Due
	WaitUntil  RunState = "wait_until" // `wait until C max D`: continue when C holds, or stop at Due
	WaitAction RunState = "action"     // the action Action must succeed first
)

// Run is a rule run that has not finished: it waits before statement
// Next of the rule's body.
type Run struct {
	ID string
	// Rule is the rule's ID; Version the checksum of the program the run
	// started with (a reloaded ruleset keeps waits on their version).
	Rule    string
	Version string
	Record  Ref
	Event   string // the event that started the run
	Trigger string
	Depth   int
	Next    int
	// Lets holds the values of the rule's `let` names so far (JSON array,
	// by let index; null for unset ones).
	Lets    json.RawMessage
	State   RunState
	Due     time.Time // zero: no deadline
	Action  string    // the awaited action's id (WaitAction)
	Started time.Time
}

// ActionState is the state of a queued action (SPEC §4).
type ActionState string

// Action states.
const (
	Pending ActionState = "pending" // to be performed (again) at NextAt
	Done    ActionState = "done"
	Failed  ActionState = "failed" // failed for good (a permanent error)
	Dead    ActionState = "dead"   // gave up after its retries; can be retried by hand
	// Unknown: the request may have reached the receiver before it
	// timed out; not resent on its own (receivers without idempotency
	// keys would act twice). Retried by hand like a dead one.
	Unknown ActionState = "unknown"
	// Skipped: not performed because a required argument was null (SPEC
	// §1.5); only in the log.
	Skipped ActionState = "skipped"
)

// Action is one action of a rule run, queued to be performed by a
// connector. ID is its idempotency key: stable across retries and
// restarts.
type Action struct {
	ID      string
	Run     string // the run that waits for it, or ""
	Rule    string
	Event   string
	Trigger string
	Record  Ref
	Name    string          // "email", "shoptet.set_order_status", ...
	Args    json.RawMessage // JSON object, every argument by name
	State   ActionState
	Attempt int // attempts made so far
	NextAt  time.Time
	Error   string // the last attempt's error
	Result  json.RawMessage
	Created time.Time
	Updated time.Time
}

// LogKind is the kind of an event-log entry (SPEC §4).
type LogKind string

// Log entry kinds.
const (
	KindEvent   LogKind = "event"
	KindFired   LogKind = "fired"
	KindAction  LogKind = "action"
	KindStopped LogKind = "stopped"
	KindError   LogKind = "error"
)

// LogEntry is one entry of the event log. Its JSON form is the one of
// `GET /v1/log` (SPEC §4).
type LogEntry struct {
	ID       int64           `json:"id"`
	At       time.Time       `json:"at"`
	Kind     LogKind         `json:"kind"`
	Rule     string          `json:"rule,omitempty"`
	Event    string          `json:"event,omitempty"`
	Trigger  string          `json:"trigger,omitempty"`
	Record   Ref             `json:"record"`
	Action   string          `json:"action,omitempty"`
	ActionID string          `json:"action_id,omitempty"`
	Args     json.RawMessage `json:"args,omitempty"`
	// Result is an action's result (the code of generate_code).
	Result  json.RawMessage `json:"result,omitempty"`
	State   ActionState     `json:"state,omitempty"`
	Attempt int             `json:"attempt,omitempty"`
	Error   string          `json:"error,omitempty"`
	// Duration is how long an action attempt took.
	Duration time.Duration `json:"duration_ns,omitempty"`
	// Clauses are the values of the condition's clauses (fired entries).
	Clauses []Clause `json:"clauses,omitempty"`
	// Message says what happened in words ("condition no longer holds",
	// "argument to is null: action skipped", ...).
	Message string `json:"message,omitempty"`
}

// Clause is one clause of a rule's condition and its value.
type Clause struct {
	Text  string          `json:"text"`
	Value json.RawMessage `json:"value"`
}

// LogQuery selects log entries; zero fields do not filter.
type LogQuery struct {
	Rule    string
	Trigger string
	Kind    LogKind
	Record  Ref // Type and ID filter separately
	Event   string
	// Action filters action entries by the action's name ("notify": the
	// employee inbox; "comment" with a record: the order's timeline).
	Action   string
	From, To time.Time // From inclusive, To exclusive
	Limit    int       // 0: 100
	Cursor   string
}

// LogPage cuts the entries a store read for a page of limit entries
// (asking for one more tells whether a next page exists) and returns the
// page and the cursor of the next one: the id of the page's last entry,
// "" for the last page.
func LogPage(entries []*LogEntry, limit int) ([]*LogEntry, string) {
	if len(entries) <= limit {
		return entries, ""
	}
	entries = entries[:limit]
	return entries, strconv.FormatInt(entries[limit-1].ID, 10)
}
