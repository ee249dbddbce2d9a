-- 0006: Prune takes the oldest done events first; without an index in
-- acceptance order it would read the whole table at each call.
CREATE INDEX events_done ON events (tenant, seq) WHERE done;
