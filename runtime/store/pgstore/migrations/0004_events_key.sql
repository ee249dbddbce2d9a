-- 0004: an event's key is (tenant, id), and seq has no index but the
-- pending ones. With an index on all of seq the planner could read the
-- inbox's front through it, skipping the done events one by one, when its
-- statistics still counted most events pending (after a burst); every
-- read of the front then went through thousands of done rows. It also
-- saves one index insert per accepted event.
ALTER TABLE events DROP CONSTRAINT events_pkey, DROP CONSTRAINT events_tenant_id_key,
	ADD PRIMARY KEY (tenant, id);
