import { checkHealth, registerHealthRoute } from '../../../platform/http/health.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp, ServiceContext } from '../../../platform/http/server.js';
import { summarizeAuthMetrics, type AuthMetrics } from '../metrics.js';
import type { SqlSessionStore, SqlUserStore } from '../repositories.js';
import * as S from '../schemas.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

/** Auth's own health and login figures, beside the /health every service has. */
export function registerAuthOperationRoutes(
  app: ServiceApp,
  { platform, metrics }: ServiceContext,
  stores: { sessions: SqlSessionStore; users: SqlUserStore },
  authMetrics: AuthMetrics,
): void {
  const { db, config } = platform;
  const { sessions, users } = stores;
  registerHealthRoute(app, platform, 'auth', metrics, '/auth/health');

  app.get(
    '/auth/health/detailed',
    {
      config: { access: 'public', rateLimit: false },
      schema: {
        tags: ['operations'],
        summary: 'Health with pool, cache and session figures',
        response: { 200: S.DetailedHealthView, 503: S.DetailedHealthView },
      },
    },
    async (_request, reply) => {
      const health = await checkHealth(platform, 'auth', app.healthContributors);
      const pool = db.stats();
      const live = health.checks.database.status === 'up' ? await sessions.countLive() : null;
      return reply.status(health.status === 'unhealthy' ? 503 : 200).send({
        ...health,
        database_pool: { open: pool.open, idle: pool.idle, waiting: pool.waiting, max: pool.max },
        active_sessions: live,
        token_settings: {
          access_token_seconds: platform.tokens.accessTokenSeconds,
          refresh_token_seconds: platform.tokens.refreshTokenSeconds,
        },
        lockout: { threshold: config.auth.lockoutThreshold, minutes: config.auth.lockoutMinutes },
      });
    },
  );

  app.get(
    '/auth/metrics/auth',
    {
      config: { access: AUDIENCES.auditors },
      schema: {
        tags: ['operations'],
        summary: 'Login figures since start and live sessions',
        response: { 200: S.AuthFiguresView, ...errorResponses(401, 403) },
      },
    },
    async () => {
      const [summary, live, locked] = await Promise.all([
        summarizeAuthMetrics(authMetrics),
        sessions.countLive(),
        users.countLocked(),
      ]);
      return {
        ...summary,
        active_sessions: live,
        locked_accounts: locked,
        since: new Date(platform.startedAt).toISOString(),
      };
    },
  );
}
