-- Synthesis runs of the gs service: principles turned into Cedar (by the compiler or an LLM), verified, and
-- submitted to the policy store as drafts; every LLM attempt is kept with what it cost and why it was rejected.
CREATE TABLE synthesis_runs (
  id uuid PRIMARY KEY,
  engine text NOT NULL CHECK (engine IN ('compiler', 'llm')),
  status text NOT NULL CHECK (status IN ('queued', 'synthesising', 'verifying', 'awaiting_approval', 'active', 'failed')),
  principle_keys text[] NOT NULL,
  -- The principles as they were synthesised (from the constitution in force, or given inline).
  principles jsonb NOT NULL,
  constitution_version integer,
  constitution_hash text,
  -- Set on runs the governance loop started for an enacted amendment: one such run per constitution version.
  amendment_id uuid,
  triggered_by_version integer,
  reason text,
  report jsonb,
  -- The policy versions the run submitted: [{policy_id, version}].
  policies jsonb NOT NULL DEFAULT '[]',
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX idx_synthesis_runs_created ON synthesis_runs (created_at, id);
CREATE INDEX idx_synthesis_runs_status ON synthesis_runs (status, created_at);
CREATE UNIQUE INDEX idx_synthesis_runs_loop ON synthesis_runs (triggered_by_version) WHERE triggered_by_version IS NOT NULL;

CREATE TABLE synthesis_attempts (
  run_id uuid NOT NULL REFERENCES synthesis_runs (id),
  principle_key text NOT NULL,
  attempt integer NOT NULL,
  prompt_hash text NOT NULL,
  model text NOT NULL,
  temperature double precision NOT NULL,
  seed integer,
  prompt_tokens integer NOT NULL,
  completion_tokens integer NOT NULL,
  latency_ms integer NOT NULL,
  output text NOT NULL,
  diagnostics jsonb NOT NULL,
  verdict text NOT NULL CHECK (verdict IN ('verified', 'invalid', 'rejected', 'inconclusive', 'model_error')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, principle_key, attempt)
);
