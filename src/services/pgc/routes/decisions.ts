import type { FastifyRequest } from 'fastify';
import { NotFoundError, ValidationError } from '../../../domain/errors.js';
import { principalOf } from '../../../platform/http/access.js';
import { errorResponses, UuidParam } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { EnforcementCaller, Enforcer } from '../enforcement/enforcer.js';
import type { DatabaseSessions } from '../enforcement/session-store.js';
import type { DecisionQueries, StatisticsBucket } from '../decision-log/queries.js';
import {
  BatchBody,
  BatchView,
  DecisionListQuery,
  DecisionRecordView,
  DecisionStatisticsQuery,
  DecisionStatisticsView,
  DecisionView,
  EvaluateBody,
  ExchangeListQuery,
  ModelExchangeView,
} from '../schemas.js';
import { PageOf } from '../../../platform/http/schemas.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

const callerOf = (request: FastifyRequest): EnforcementCaller => {
  const { userId, apiKeyId } = principalOf(request);
  return { userId, apiKeyId };
};
const BUCKET_MS: Readonly<Record<StatisticsBucket, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Decisions: one request or a batch decided and logged before the answer, and the logged trace read back. */
export function registerDecisionRoutes(
  app: ServiceApp,
  enforcer: Enforcer,
  sessions: DatabaseSessions,
  queries: DecisionQueries,
): void {
  const sessionOf = (caller: EnforcementCaller, sessionId: string | undefined) =>
    sessionId === undefined ? null : sessions.open(caller.userId, sessionId);

  app.post(
    '/api/v1/enforcement/evaluate',
    {
      config: { access: AUDIENCES.decisionCallers },
      schema: {
        tags: ['enforcement'],
        summary: 'Decide on one AI request; the decision is logged durably before the answer',
        body: EvaluateBody,
        response: { 200: DecisionView, ...errorResponses(400, 401, 403, 413, 503) },
      },
    },
    async (request) => {
      const { session_id: sessionId, ...evaluation } = request.body;
      const caller = callerOf(request);
      // One request, one decision: traced on the request's own span.
      return enforcer.evaluate(evaluation, caller, request.id, sessionOf(caller, sessionId), 'request-span');
    },
  );

  app.post(
    '/api/v1/enforcement/evaluate/batch',
    {
      config: { access: AUDIENCES.decisionCallers },
      schema: {
        tags: ['enforcement'],
        summary: 'Decide on up to 1,000 requests (one group commit)',
        body: BatchBody,
        response: { 200: BatchView, ...errorResponses(400, 401, 403, 413, 503) },
      },
    },
    async (request) => {
      // Every item is checked before any is decided: an oversized one refuses the whole batch, deciding none.
      for (const item of request.body.requests) enforcer.checkContent(item);
      const caller = callerOf(request);
      return {
        // Requests of one session are queued in the order given, so each sees the history of those before it.
        results: await Promise.all(
          request.body.requests.map(({ session_id: sessionId, ...item }) =>
            enforcer.evaluate(item, caller, request.id, sessionOf(caller, sessionId)),
          ),
        ),
      };
    },
  );

  app.get(
    '/api/v1/enforcement/decisions',
    {
      config: { access: AUDIENCES.overseers },
      schema: {
        tags: ['enforcement'],
        summary: 'Logged decisions, newest first, filtered by decision, action, principal, policy, principle and time',
        querystring: DecisionListQuery,
        response: { 200: PageOf(DecisionRecordView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, ...filter } = request.query;
      return queries.list(filter, limit, cursor);
    },
  );

  app.get(
    '/api/v1/enforcement/exchanges',
    {
      config: { access: AUDIENCES.overseers },
      schema: {
        tags: ['enforcement', 'llm'],
        summary:
          'Model exchanges, newest first: each request that made a decision about a model (an LLM gateway exchange) with every decision it made, in order',
        querystring: ExchangeListQuery,
        response: { 200: PageOf(ModelExchangeView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, ...filter } = request.query;
      return queries.exchanges(filter, limit, cursor);
    },
  );

  app.get(
    '/api/v1/enforcement/decisions/statistics',
    {
      config: { access: AUDIENCES.overseers },
      schema: {
        tags: ['enforcement'],
        summary:
          'Decision counts from the log (no Prometheus needed): allow/deny per time bucket, per action, and the principles behind most denials; default the last hour by minute',
        querystring: DecisionStatisticsQuery,
        response: { 200: DecisionStatisticsView, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { bucket = 'minute', ...filter } = request.query;
      const to = filter.to === undefined ? new Date() : new Date(filter.to);
      const from = filter.from === undefined ? new Date(to.getTime() - 3_600_000) : new Date(filter.from);
      const buckets = (to.getTime() - from.getTime()) / BUCKET_MS[bucket as StatisticsBucket];
      if (!(buckets > 0) || buckets > 1500)
        throw new ValidationError(
          `from must be before to, and the window at most 1,500 ${bucket}s (this one: ${Math.ceil(buckets)})`,
          'STATISTICS_WINDOW',
        );
      return queries.statistics(
        { ...filter, from: from.toISOString(), to: to.toISOString() },
        bucket as StatisticsBucket,
      );
    },
  );

  app.get(
    '/api/v1/enforcement/decisions/:id',
    {
      config: { access: AUDIENCES.overseers },
      schema: {
        tags: ['enforcement'],
        summary: 'A logged decision with its full trace',
        params: UuidParam,
        response: { 200: DecisionRecordView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const decision = await queries.find(request.params.id);
      if (decision === null) throw new NotFoundError('Decision not found', 'DECISION_NOT_FOUND');
      return decision;
    },
  );
}
