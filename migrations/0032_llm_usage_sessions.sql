-- The enforcement session an exchange belonged to (the caller's x-acgs-session, owned with principal_id): the
-- running total context.session_tokens is summed from it. Exchanges outside a session have none.
ALTER TABLE llm_usage ADD COLUMN session_id text;
CREATE INDEX llm_usage_principal_session ON llm_usage (principal_id, session_id) WHERE session_id IS NOT NULL;
