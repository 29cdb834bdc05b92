import type { ServiceApp, ServiceContext } from '../../platform/http/server.js';
import { buildAccounts } from './accounts-factory.js';
import { createAuthMetrics } from './metrics.js';
import { SqlSessionStore, SqlUserStore } from './repositories.js';
import { registerApiKeyRoutes } from './routes/api-keys.js';
import { registerAuthOperationRoutes } from './routes/operations.js';
import { registerSessionRoutes } from './routes/sessions.js';
import { registerUserRoutes } from './routes/users.js';
import * as S from './schemas.js';

/** Auth: users, login, JWT and refresh tokens, CSRF, RBAC, agent API keys, rate limits and lockout. */
export function registerAuthService(app: ServiceApp, context: ServiceContext): void {
  const { platform, metrics } = context;
  const sessions = new SqlSessionStore(platform.db);
  const users = new SqlUserStore(platform.db);
  const authMetrics = createAuthMetrics(metrics.registry, () => sessions.countLive());
  const log = app.log;
  app.addSchema(S.User);
  const accounts = buildAccounts(platform, {
    loginAttempted: () => authMetrics.attempts.inc(),
    loginSucceeded: () => authMetrics.successes.inc(),
    loginFailed: (sourceIp, reason, email) => {
      authMetrics.failures.inc({ source_ip: sourceIp });
      log.warn(
        { source_ip: sourceIp, reason, email },
        `authentication failed for ${email} from ${sourceIp}: ${reason}`,
      );
    },
  });
  registerSessionRoutes(app, context, accounts);
  registerAuthOperationRoutes(app, context, { sessions, users }, authMetrics);
  registerUserRoutes(app, context, accounts);
  registerApiKeyRoutes(app, context, accounts);
}
