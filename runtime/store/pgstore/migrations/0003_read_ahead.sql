-- 0003: a transaction that processes a batch of events reads its records'
-- once-claims and action ids ahead (prefetch.go), by record: the
-- once-ledger's key starts with the record, and actions get an index by
-- record.
ALTER TABLE once DROP CONSTRAINT once_pkey;
ALTER TABLE once ADD PRIMARY KEY (tenant, record_type, record_id, rule, key);
CREATE INDEX actions_record ON actions (tenant, record_type, record_id);
