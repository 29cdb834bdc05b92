-- Change sets: what goes into force together. An enacted amendment that adds, changes or repeals several principles
-- is only correct as a whole, so its policies are verified against the constitution as one bundle, approved in one
-- two-person step and activated as one bundle. A single policy's activation or revocation is a change set of one.
-- Owned by integrity, like the policy versions it names.
CREATE TABLE change_sets (
  id bigserial PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('proposed', 'verified', 'rejected', 'approved', 'active', 'superseded', 'withdrawn')),
  origin text NOT NULL CHECK (origin IN ('amendment', 'synthesis', 'manual', 'policy', 'cli')),
  description text NOT NULL DEFAULT '',
  -- Policy versions put into force, [{policy_id, version}], and policy ids taken out of force.
  put jsonb NOT NULL DEFAULT '[]',
  remove text[] NOT NULL DEFAULT '{}',
  author uuid,
  -- The constitution version the set was verified against (the one in force then) and the bundle it changes.
  constitution_version integer,
  constitution_hash text,
  base_bundle_version integer,
  verification_report jsonb,
  verified_at timestamptz,
  reason text,
  approvals_required integer NOT NULL DEFAULT 1,
  first_approved_by uuid,
  approved_by uuid,
  approved_at timestamptz,
  activated_by uuid,
  activated_at timestamptz,
  bundle_version integer,
  superseded_by bigint REFERENCES change_sets (id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_change_sets_status ON change_sets (status, id);
CREATE INDEX idx_change_sets_constitution ON change_sets (constitution_version, id);

-- A synthesis run ends with the change set it proposed; a loop run for a version a newer one replaced is superseded.
ALTER TABLE synthesis_runs ADD COLUMN change_set_id bigint;
ALTER TABLE synthesis_runs DROP CONSTRAINT synthesis_runs_status_check;
ALTER TABLE synthesis_runs ADD CONSTRAINT synthesis_runs_status_check
  CHECK (status IN ('queued', 'synthesising', 'verifying', 'awaiting_approval', 'active', 'failed', 'superseded'));

-- Which bundle each enforcement instance decides with, and since when: an activation can then say (or wait until)
-- every live instance enforces it. Written by PGC through integrity's BundleAcknowledgements; a row not seen for a
-- while belongs to an instance that stopped.
CREATE TABLE bundle_acknowledgements (
  instance text PRIMARY KEY,
  bundle_version integer NOT NULL,
  enforcing_since timestamptz NOT NULL,
  seen_at timestamptz NOT NULL DEFAULT now()
);
