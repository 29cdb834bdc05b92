import type { ServiceName } from '../platform/config.js';

/**
 * Which service owns which URL prefixes: the gateway routes by this table, and a test checks every route each
 * service registers falls under its own prefixes (or is one of the base routes every service has).
 */
/** The MCP gateway's endpoint (Streamable HTTP), routed with session affinity. */
export const MCP_PATH = '/mcp';
/** The LLM gateway's endpoints (OpenAI's wire protocol: /v1/chat/completions, /v1/responses, /v1/models). */
export const LLM_PATH = '/v1/';

export const SERVICE_PATH_PREFIXES: Readonly<Record<ServiceName, readonly string[]>> = {
  auth: ['/auth/'],
  ac: ['/api/v1/constitution', '/api/v1/constitutional-council', '/api/v1/meta-rules', '/api/v1/principles'],
  integrity: [
    '/api/v1/policies',
    '/api/v1/change-sets',
    '/api/v1/bundles',
    '/api/v1/crypto',
    '/api/v1/audit',
    '/api/v1/appeals',
    '/api/v1/policy-reviews',
  ],
  fv: ['/api/v1/verify'],
  gs: ['/api/v1/synthesize', '/api/v1/policy-management'],
  pgc: ['/api/v1/enforcement', '/api/v1/tools', '/api/v1/mcp', '/api/v1/approvals', '/api/v1/llm', MCP_PATH, LLM_PATH],
};

/** Routes every service serves at its root; the gateway exposes them as /<service>/health and /metrics/<service>. */
export const BASE_ROUTES: readonly string[] = ['/', '/health', '/metrics', '/docs'];
