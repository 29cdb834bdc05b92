-- Model providers the LLM gateway forwards to: an OpenAI-compatible base URL, the credential it is called with (kept
-- here, sent only to that provider, never returned by the API), the models it serves and how patiently it is called.
CREATE TABLE llm_upstreams (
  name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_-]{0,39}$'),
  base_url text NOT NULL,
  credential text,
  models text[] NOT NULL DEFAULT '{}',
  timeout_ms integer NOT NULL DEFAULT 60000 CHECK (timeout_ms BETWEEN 100 AND 600000),
  retries integer NOT NULL DEFAULT 1 CHECK (retries BETWEEN 0 AND 5),
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
