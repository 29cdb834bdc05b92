-- Cedar templates with typed parameters (the entity types each slot takes), and the policies linked from them.
CREATE TABLE policy_templates (
  id text PRIMARY KEY,
  version integer NOT NULL,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  source text NOT NULL,
  parameters jsonb NOT NULL,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);

CREATE TABLE policy_template_links (
  policy_id text PRIMARY KEY,
  template_id text NOT NULL REFERENCES policy_templates (id),
  template_version integer NOT NULL,
  slot_values jsonb NOT NULL,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_policy_template_links_template ON policy_template_links (template_id);
