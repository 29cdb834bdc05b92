-- Receipts and bundle transparency look entries up by the resource they concern.
CREATE INDEX idx_audit_logs_resource ON audit_logs (resource);
