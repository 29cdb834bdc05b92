-- Upstream MCP servers the gateway fronts. Credentials (env, headers) stay here and are never returned by the API.
CREATE TABLE mcp_servers (
  name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_-]{0,39}$'),
  transport text NOT NULL CHECK (transport IN ('stdio', 'http')),
  command text,
  args text[] NOT NULL DEFAULT '{}',
  env jsonb NOT NULL DEFAULT '{}',
  url text,
  headers jsonb NOT NULL DEFAULT '{}',
  call_timeout_ms integer NOT NULL DEFAULT 30000 CHECK (call_timeout_ms BETWEEN 100 AND 600000),
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  CHECK ((transport = 'stdio') = (command IS NOT NULL) AND (transport = 'http') = (url IS NOT NULL))
);

-- The tool catalogue: what discovery found (annotations, schema) and what an admin set (risk, classification).
-- A tool may be catalogued without a server (an SDK-wrapped function); discovery never overwrites an admin's setting.
CREATE TABLE tools (
  id text PRIMARY KEY,
  server text,
  name text NOT NULL,
  title text,
  description text NOT NULL DEFAULT '',
  input_schema jsonb NOT NULL DEFAULT '{}',
  annotations jsonb NOT NULL DEFAULT '{}',
  risk integer CHECK (risk BETWEEN 0 AND 100),
  data_classification text,
  updated_by uuid,
  discovered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
CREATE INDEX idx_tools_server ON tools (server, name);

-- What each enforcement session has done so far, offered to Cedar as context.prior_tools / prior_findings. A session
-- belongs to the caller that opened it: another caller's session id names a different row.
CREATE TABLE enforcement_sessions (
  owner_id uuid NOT NULL,
  session_id text NOT NULL,
  prior_tools text[] NOT NULL DEFAULT '{}',
  prior_findings text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  PRIMARY KEY (owner_id, session_id)
);
