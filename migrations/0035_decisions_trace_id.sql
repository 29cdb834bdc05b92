-- The OpenTelemetry trace a decision was made in (32 hex digits), when tracing is on: the decision page links to the
-- operator's trace UI with it, and the decisions list finds a trace's decisions. Only traced rows are indexed.
ALTER TABLE decisions ADD COLUMN trace_id text;
CREATE INDEX idx_decisions_trace_id ON decisions (trace_id) WHERE trace_id IS NOT NULL;
