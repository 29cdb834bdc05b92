-- Tokens and requests each principal used through the LLM gateway, one row per completed exchange: the running
-- totals budget principles are decided on (context.tokens_24h, context.requests_24h) are summed from it.
CREATE TABLE llm_usage (
  id bigserial PRIMARY KEY,
  principal_id text NOT NULL,
  upstream text NOT NULL,
  model text NOT NULL,
  prompt_tokens integer NOT NULL CHECK (prompt_tokens >= 0),
  completion_tokens integer NOT NULL CHECK (completion_tokens >= 0),
  -- Whether the provider counted the tokens (its usage object) or the gateway estimated them (4 characters a token).
  estimated boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
CREATE INDEX llm_usage_principal_time ON llm_usage (principal_id, created_at);
