-- Signed policy bundles (one active at a time) and the durable decision log.
CREATE TABLE policy_bundles (
  version integer PRIMARY KEY,
  hash text NOT NULL UNIQUE,
  bundle jsonb NOT NULL,
  signature text NOT NULL,
  key_id text NOT NULL,
  active boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid
);
CREATE UNIQUE INDEX policy_bundles_one_active ON policy_bundles (active) WHERE active;

CREATE TABLE decisions (
  id uuid PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  caller_id uuid,
  principal jsonb NOT NULL,
  action text NOT NULL,
  resource jsonb NOT NULL,
  context jsonb NOT NULL,
  content_digest text,
  content text,
  decision text NOT NULL CHECK (decision IN ('allow', 'deny')),
  reasons jsonb NOT NULL,
  findings jsonb NOT NULL,
  obligations jsonb NOT NULL,
  bundle_hash text,
  constitution_hash text,
  latency_us integer NOT NULL,
  request_id text
);
CREATE INDEX idx_decisions_created_at ON decisions (created_at);
CREATE INDEX idx_decisions_decision ON decisions (decision, created_at);
