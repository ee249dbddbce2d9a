-- GET /v1/log?action=notify (the employee inbox), ?action=comment&record_id=
-- (an order's timeline): one more equality filter of the log.
CREATE INDEX log_action ON log (tenant, action, id);
