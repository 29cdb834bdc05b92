import type { Principal } from '../../domain/auth/principal.js';
import type { AccessRule } from '../../domain/auth/roles.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the access hook on every non-public route. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Required on every route: who may call it. */
    access?: AccessRule;
    /** Lets a state-changing route run in maintenance mode (login, refresh, logout keep sessions usable). */
    maintenanceExempt?: boolean;
  }
}
