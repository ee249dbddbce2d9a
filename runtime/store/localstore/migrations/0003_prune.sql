-- 0003: Prune takes the oldest done events first; without an index in
-- acceptance order it would sort all of a tenant's events at each call.
CREATE INDEX events_done ON events (tenant, seq) WHERE done = 1;
