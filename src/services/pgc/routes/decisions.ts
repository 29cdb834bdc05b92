import type { FastifyRequest } from 'fastify';
import type { EvaluationRequest } from '../../../domain/enforcement/decide.js';
import { AppError, NotFoundError } from '../../../domain/errors.js';
import { principalOf } from '../../../platform/http/access.js';
import { errorResponses, UuidParam } from '../../../platform/http/schemas.js';
import type { ServiceApp, ServiceContext } from '../../../platform/http/server.js';
import type { DecisionLog } from '../decision-log.js';
import type { EnforcementCaller, Enforcer } from '../enforcer.js';
import type { DatabaseSessions } from '../session-store.js';
import { BatchBody, BatchView, DecisionRecordView, DecisionView, EvaluateBody } from '../schemas.js';

const CALLERS = ['agent', 'admin', 'policy_manager'] as const;

const callerOf = (request: FastifyRequest): EnforcementCaller => {
  const { userId, apiKeyId } = principalOf(request);
  return { userId, apiKeyId };
};
const READERS = ['admin', 'policy_manager', 'auditor'] as const;

/** Decisions: one request or a batch decided and logged before the answer, and the logged trace read back. */
export function registerDecisionRoutes(
  app: ServiceApp,
  { platform }: ServiceContext,
  enforcer: Enforcer,
  log: DecisionLog,
  sessions: DatabaseSessions,
): void {
  const sessionOf = (caller: EnforcementCaller, sessionId: string | undefined) =>
    sessionId === undefined ? null : sessions.open(caller.userId, sessionId);
  const maxBytes = platform.config.enforcement.maxContentBytes;
  const checkContent = (request: EvaluationRequest) => {
    if (request.content !== undefined && Buffer.byteLength(request.content, 'utf8') > maxBytes) {
      throw new AppError(
        'too_large',
        'CONTENT_TOO_LARGE',
        `content is over the ${maxBytes}-byte limit (ACGS_MAX_CONTENT_BYTES)`,
      );
    }
  };

  app.post(
    '/api/v1/enforcement/evaluate',
    {
      config: { access: CALLERS },
      schema: {
        tags: ['enforcement'],
        summary: 'Decide on one AI request; the decision is logged durably before the answer',
        body: EvaluateBody,
        response: { 200: DecisionView, ...errorResponses(400, 401, 403, 413, 503) },
      },
    },
    async (request) => {
      checkContent(request.body);
      const { session_id: sessionId, ...evaluation } = request.body;
      const caller = callerOf(request);
      return enforcer.evaluate(evaluation, caller, request.id, sessionOf(caller, sessionId));
    },
  );

  app.post(
    '/api/v1/enforcement/evaluate/batch',
    {
      config: { access: CALLERS },
      schema: {
        tags: ['enforcement'],
        summary: 'Decide on up to 1,000 requests (one group commit)',
        body: BatchBody,
        response: { 200: BatchView, ...errorResponses(400, 401, 403, 413, 503) },
      },
    },
    async (request) => {
      request.body.requests.forEach(checkContent);
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
    '/api/v1/enforcement/decisions/:id',
    {
      config: { access: READERS },
      schema: {
        tags: ['enforcement'],
        summary: 'A logged decision with its full trace',
        params: UuidParam,
        response: { 200: DecisionRecordView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const decision = await log.find(request.params.id);
      if (decision === null) throw new NotFoundError('Decision not found', 'DECISION_NOT_FOUND');
      return decision;
    },
  );
}
