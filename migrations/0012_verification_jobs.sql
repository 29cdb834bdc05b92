-- Verification jobs of the fv service: what was asked, how far it got, and the stored, hashed report.
CREATE TABLE verification_jobs (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('policy', 'bundle', 'impact', 'property')),
  status text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  verdict text CHECK (verdict IN ('holds', 'violated', 'unsupported', 'inconclusive')),
  request jsonb NOT NULL,
  report jsonb,
  report_hash text,
  bundle_hash text,
  error_code text,
  error text,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX idx_verification_jobs_status ON verification_jobs (status, created_at);
CREATE INDEX idx_verification_jobs_kind ON verification_jobs (kind, created_at);
