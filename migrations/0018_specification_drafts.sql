-- Constraints an LLM drafted from a principle's text: a proposal for the council (which votes on constraints, not
-- on Cedar), with the requests they would deny and allow; never enforced as they are.
CREATE TABLE specification_drafts (
  id uuid PRIMARY KEY,
  amendment_id uuid,
  principle_key text NOT NULL,
  text text NOT NULL,
  scope jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('drafted', 'failed')),
  reason text,
  constraints jsonb,
  examples jsonb,
  attempts jsonb NOT NULL,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_specification_drafts_amendment ON specification_drafts (amendment_id, created_at);
