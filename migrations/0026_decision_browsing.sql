-- The console's decisions list pages newest first over (created_at, id) and filters by action, principal, policy and
-- principle; statistics count by time bucket. Without these, each filter scans the whole decision log.
CREATE INDEX idx_decisions_created_at_id ON decisions (created_at DESC, id DESC);
CREATE INDEX idx_decisions_action ON decisions (action, created_at);
CREATE INDEX idx_decisions_principal_id ON decisions ((principal->>'id'), created_at);
CREATE INDEX idx_decisions_reasons ON decisions USING gin (reasons jsonb_path_ops);
