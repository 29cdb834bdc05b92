-- Principles, constitution versions (immutable snapshots with their hash), meta-rules, amendments, votes, comments.
CREATE TABLE principles (
  id uuid PRIMARY KEY,
  key text NOT NULL UNIQUE,
  title text NOT NULL,
  description text NOT NULL,
  category text NOT NULL,
  priority integer NOT NULL CHECK (priority BETWEEN 1 AND 100),
  scope jsonb NOT NULL,
  normative_statement text NOT NULL,
  rationale text NOT NULL,
  constraints jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('draft', 'active', 'deprecated')),
  version integer NOT NULL DEFAULT 1,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_principles_status ON principles (status);
CREATE INDEX idx_principles_category ON principles (category);

CREATE TABLE meta_rules (
  id integer PRIMARY KEY CHECK (id = 1),
  rules jsonb NOT NULL,
  updated_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE constitution_versions (
  version integer PRIMARY KEY,
  hash text NOT NULL,
  document jsonb NOT NULL,
  enacted_at timestamptz NOT NULL DEFAULT now(),
  enacted_by uuid,
  enacted_by_amendment uuid
);

CREATE TABLE amendments (
  id uuid PRIMARY KEY,
  title text NOT NULL,
  rationale text NOT NULL,
  changes jsonb NOT NULL,
  principle_keys text[] NOT NULL,
  touches_meta_rules boolean NOT NULL,
  status text NOT NULL CHECK (status IN ('draft', 'open', 'approved', 'rejected', 'expired', 'withdrawn', 'enacted')),
  proposed_by uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  opened_at timestamptz,
  deadline timestamptz,
  closed_at timestamptz,
  council_size integer,
  rules jsonb,
  outcome jsonb,
  base_version integer,
  enacted_version integer
);
CREATE INDEX idx_amendments_status ON amendments (status);
CREATE INDEX idx_amendments_open_deadline ON amendments (deadline) WHERE status = 'open';

CREATE TABLE amendment_votes (
  amendment_id uuid NOT NULL REFERENCES amendments (id) ON DELETE CASCADE,
  voter_id uuid NOT NULL,
  vote text NOT NULL CHECK (vote IN ('for', 'against', 'abstain')),
  reason text NOT NULL DEFAULT '',
  cast_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (amendment_id, voter_id)
);

CREATE TABLE amendment_comments (
  id uuid PRIMARY KEY,
  amendment_id uuid NOT NULL REFERENCES amendments (id) ON DELETE CASCADE,
  author_id uuid NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_amendment_comments_amendment ON amendment_comments (amendment_id, created_at);
