import type { Principal } from '../../domain/auth/principal.js';
import type { AccessRule } from '../../domain/auth/roles.js';
import type { HealthContributor } from './health.js';

/** One row per route: what the access hook enforces there (RBAC tests and docs read it). */
export interface AccessTableRow {
  method: string;
  url: string;
  access: AccessRule;
}

declare module 'fastify' {
  interface FastifyInstance {
    accessTable: AccessTableRow[];
    /** Service-specific health checks that /health includes. */
    healthContributors: HealthContributor[];
  }
  interface FastifyRequest {
    /** Set by the access hook on every non-public route. */
    principal: Principal | null;
    /** The client's address as the platform believes it (client-address.ts): use it, never `ip`. */
    clientIp: string;
  }
  interface FastifyContextConfig {
    /** Required on every route: who may call it. */
    access?: AccessRule;
    /** Lets a state-changing route run in maintenance mode (login, refresh, logout keep sessions usable). */
    maintenanceExempt?: boolean;
    /**
     * The shape errors leave in: ours (`{detail, error_code, timestamp, request_id}`) unless the route speaks another
     * API's wire protocol — `openai`: `{error: {message, type, code, …}}`, so that API's clients surface them.
     */
    errorShape?: 'openai';
  }
}
