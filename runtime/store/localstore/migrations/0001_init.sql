-- 0001: the first schema of the embedded store.
--
-- Conventions: every row belongs to a tenant, the first column of every
-- key and index. Times are INTEGER microseconds since 1970 in UTC. JSON
-- values are TEXT, stored as received (NULL for none). Strings that may
-- be absent are '' rather than NULL, so equality filters need no IS.
-- Tables are STRICT: a value of the wrong type is an error, not a
-- silent conversion.

-- The inbox: every accepted event, forever (its id is what makes a
-- repeated event a no-op). seq is the acceptance order. Done drops an
-- event's data (the record's snapshot keeps it).
CREATE TABLE events (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant      TEXT    NOT NULL,
	id          TEXT    NOT NULL,
	type        TEXT    NOT NULL,
	at          INTEGER NOT NULL,
	record_type TEXT    NOT NULL,
	record_id   TEXT    NOT NULL,
	data        TEXT,
	depth       INTEGER NOT NULL,
	cause       TEXT    NOT NULL,
	done        INTEGER NOT NULL DEFAULT 0,
	UNIQUE (tenant, id)
) STRICT;
-- Pending and PendingFor: only events not done are indexed.
CREATE INDEX events_pending ON events (tenant, seq) WHERE done = 0;
CREATE INDEX events_pending_record ON events (tenant, record_type, record_id, seq) WHERE done = 0;

-- The last snapshot of each record; Snapshots pages by the primary key.
CREATE TABLE snapshots (
	tenant      TEXT    NOT NULL,
	record_type TEXT    NOT NULL,
	record_id   TEXT    NOT NULL,
	data        TEXT,
	at          INTEGER NOT NULL,
	event       TEXT    NOT NULL,
	PRIMARY KEY (tenant, record_type, record_id)
) STRICT;

-- The once-ledger; never cleared.
CREATE TABLE once (
	tenant      TEXT NOT NULL,
	rule        TEXT NOT NULL,
	record_type TEXT NOT NULL,
	record_id   TEXT NOT NULL,
	key         TEXT NOT NULL,
	PRIMARY KEY (tenant, rule, record_type, record_id, key)
) STRICT, WITHOUT ROWID;

-- Rule runs that wait. pos is the order a run was first stored in
-- (replacing a run keeps it); due is NULL for a run without a deadline.
CREATE TABLE runs (
	pos         INTEGER PRIMARY KEY,
	tenant      TEXT    NOT NULL,
	id          TEXT    NOT NULL,
	rule        TEXT    NOT NULL,
	version     TEXT    NOT NULL,
	record_type TEXT    NOT NULL,
	record_id   TEXT    NOT NULL,
	event       TEXT    NOT NULL,
	trigger     TEXT    NOT NULL,
	depth       INTEGER NOT NULL,
	next        INTEGER NOT NULL,
	lets        TEXT,
	state       TEXT    NOT NULL,
	due         INTEGER,
	action      TEXT    NOT NULL,
	started     INTEGER NOT NULL,
	UNIQUE (tenant, id)
) STRICT;
CREATE INDEX runs_record ON runs (tenant, record_type, record_id, pos);
CREATE INDEX runs_due ON runs (tenant, due, id) WHERE due IS NOT NULL;

-- Per-tenant sequences (generate_code).
CREATE TABLE seqs (
	tenant TEXT    NOT NULL,
	name   TEXT    NOT NULL,
	value  INTEGER NOT NULL,
	PRIMARY KEY (tenant, name)
) STRICT, WITHOUT ROWID;

-- The action queue. id is the idempotency key.
CREATE TABLE actions (
	tenant      TEXT    NOT NULL,
	id          TEXT    NOT NULL,
	run         TEXT    NOT NULL,
	rule        TEXT    NOT NULL,
	event       TEXT    NOT NULL,
	trigger     TEXT    NOT NULL,
	record_type TEXT    NOT NULL,
	record_id   TEXT    NOT NULL,
	name        TEXT    NOT NULL,
	args        TEXT,
	state       TEXT    NOT NULL,
	attempt     INTEGER NOT NULL,
	next_at     INTEGER NOT NULL,
	error       TEXT    NOT NULL,
	result      TEXT,
	created     INTEGER NOT NULL,
	updated     INTEGER NOT NULL,
	UNIQUE (tenant, id)
) STRICT;
-- Actions(state) and DueActions: by state, then NextAt, then id.
CREATE INDEX actions_state ON actions (tenant, state, next_at, id);

-- The event log. id increases in append order and is the paging cursor;
-- clauses is the JSON array of store.Clause.
CREATE TABLE log (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant      TEXT    NOT NULL,
	at          INTEGER NOT NULL,
	kind        TEXT    NOT NULL,
	rule        TEXT    NOT NULL,
	event       TEXT    NOT NULL,
	trigger     TEXT    NOT NULL,
	record_type TEXT    NOT NULL,
	record_id   TEXT    NOT NULL,
	action      TEXT    NOT NULL,
	action_id   TEXT    NOT NULL,
	args        TEXT,
	result      TEXT,
	state       TEXT    NOT NULL,
	attempt     INTEGER NOT NULL,
	error       TEXT    NOT NULL,
	duration    INTEGER NOT NULL,
	clauses     TEXT,
	message     TEXT    NOT NULL
) STRICT;
-- Log, newest first: one index per equality filter, each ending in id so
-- a page is a backward range scan from the cursor; time ranges by at.
CREATE INDEX log_all ON log (tenant, id);
CREATE INDEX log_rule ON log (tenant, rule, id);
CREATE INDEX log_trigger ON log (tenant, trigger, id);
CREATE INDEX log_kind ON log (tenant, kind, id);
CREATE INDEX log_record_type ON log (tenant, record_type, id);
CREATE INDEX log_record_id ON log (tenant, record_id, id);
CREATE INDEX log_event ON log (tenant, event, id);
CREATE INDEX log_at ON log (tenant, at, id);
