-- Tool definitions are pinned: the definition an upstream gave when its tool was first catalogued (or an admin last
-- approved) is what the gateway serves and decides on. A later, different definition waits in pending_definition,
-- with the tool hidden and its calls refused, until an admin approves it. Rows catalogued before this migration are
-- pinned at their next discovery.
ALTER TABLE tools ADD COLUMN output_schema jsonb;
ALTER TABLE tools ADD COLUMN definition_digest text;
ALTER TABLE tools ADD COLUMN pending_definition jsonb;
ALTER TABLE tools ADD COLUMN pending_digest text;
ALTER TABLE tools ADD COLUMN definition_changed_at timestamptz;
ALTER TABLE tools ADD COLUMN definition_approved_by uuid;
ALTER TABLE tools ADD COLUMN definition_approved_at timestamptz;
-- The prompt-injection detector's score on the pinned description (and title); a flagged tool is riskier.
ALTER TABLE tools ADD COLUMN injection_score integer NOT NULL DEFAULT 0;
