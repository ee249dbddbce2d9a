-- 0001: the first schema of the PostgreSQL store. It mirrors localstore's
-- (docs/store.md): every row belongs to a tenant, the first column of
-- every key and index; times are BIGINT microseconds since 1970 (UTC);
-- JSON values are TEXT stored exactly as received (jsonb would reorder
-- keys and respell numbers), NULL for none; absent strings are ''.

CREATE TABLE events (
	seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	tenant      TEXT    NOT NULL,
	id          TEXT    NOT NULL,
	type        TEXT    NOT NULL,
	at          BIGINT  NOT NULL,
	record_type TEXT    NOT NULL,
	record_id   TEXT    NOT NULL,
	data        TEXT,
	depth       INTEGER NOT NULL,
	cause       TEXT    NOT NULL,
	done        BOOLEAN NOT NULL DEFAULT false,
	UNIQUE (tenant, id)
);
CREATE INDEX events_pending ON events (tenant, seq) WHERE NOT done;
CREATE INDEX events_pending_record ON events (tenant, record_type, record_id, seq) WHERE NOT done;

CREATE TABLE snapshots (
	tenant      TEXT   NOT NULL,
	record_type TEXT   NOT NULL,
	record_id   TEXT   NOT NULL,
	data        TEXT,
	at          BIGINT NOT NULL,
	event       TEXT   NOT NULL,
	PRIMARY KEY (tenant, record_type, record_id)
);

CREATE TABLE once (
	tenant      TEXT NOT NULL,
	rule        TEXT NOT NULL,
	record_type TEXT NOT NULL,
	record_id   TEXT NOT NULL,
	key         TEXT NOT NULL,
	PRIMARY KEY (tenant, rule, record_type, record_id, key)
);

CREATE TABLE runs (
	pos         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
	due         BIGINT,
	action      TEXT    NOT NULL,
	started     BIGINT  NOT NULL,
	UNIQUE (tenant, id)
);
CREATE INDEX runs_record ON runs (tenant, record_type, record_id, pos);
CREATE INDEX runs_due ON runs (tenant, due, id) WHERE due IS NOT NULL;

CREATE TABLE seqs (
	tenant TEXT   NOT NULL,
	name   TEXT   NOT NULL,
	value  BIGINT NOT NULL,
	PRIMARY KEY (tenant, name)
);

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
	next_at     BIGINT  NOT NULL,
	error       TEXT    NOT NULL,
	result      TEXT,
	created     BIGINT  NOT NULL,
	updated     BIGINT  NOT NULL,
	PRIMARY KEY (tenant, id)
);
CREATE INDEX actions_state ON actions (tenant, state, next_at, id);

CREATE TABLE log (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	tenant      TEXT    NOT NULL,
	at          BIGINT  NOT NULL,
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
	duration    BIGINT  NOT NULL,
	clauses     TEXT,
	message     TEXT    NOT NULL
);
CREATE INDEX log_all ON log (tenant, id);
CREATE INDEX log_rule ON log (tenant, rule, id);
CREATE INDEX log_trigger ON log (tenant, trigger, id);
CREATE INDEX log_kind ON log (tenant, kind, id);
CREATE INDEX log_record_type ON log (tenant, record_type, id);
CREATE INDEX log_record_id ON log (tenant, record_id, id);
CREATE INDEX log_event ON log (tenant, event, id);
CREATE INDEX log_at ON log (tenant, at, id);

-- Leases: one holder at a time per name (the schedule ticks' leader), until
-- expires (microseconds).
CREATE TABLE leases (
	name    TEXT   PRIMARY KEY,
	holder  TEXT   NOT NULL,
	expires BIGINT NOT NULL
);
