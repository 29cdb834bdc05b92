import { createHash, randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { canonicalJson } from '../../domain/canonical-json.js';
import {
  decide,
  isFailClosed,
  type DecisionOutcome,
  type EvaluationRequest,
  type SessionHistory,
} from '../../domain/enforcement/decide.js';
import { sessionStep } from '../../domain/enforcement/session.js';
import { resourceAttributes, type CatalogueTool } from '../../domain/tools/catalogue.js';
import { EngineRequestError, type EntityRef } from '../../domain/enforcement/engine.js';
import type { CompiledKeywordList } from '../../domain/detectors/keywords.js';
import type { ClassifierVerdict } from '../../domain/detectors/moderation.js';
import { ValidationError } from '../../domain/errors.js';
import type { ActiveBundle } from './active-bundle.js';
import type { DecisionLog } from './decision-log.js';
import type { EnforcerMetrics } from './metrics.js';
import type { SessionStore } from './session-store.js';
import type { ToolCatalogue } from './tool-catalogue.js';

export interface DecisionResponse {
  decision_id: string;
  decision: 'allow' | 'deny';
  reasons: DecisionOutcome['reasons'];
  findings: DecisionOutcome['findings'];
  obligations: DecisionOutcome['obligations'];
  constitution_hash: string | null;
  bundle_hash: string | null;
  evaluated_at: string;
  latency_us: number;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Decides, records durably, then answers: the decision API's whole path, used by the routes and batch alike. */
export class Enforcer {
  private readonly cache: LRUCache<string, DecisionOutcome> | null;

  constructor(
    private readonly bundle: ActiveBundle,
    private readonly log: DecisionLog,
    private readonly catalogue: ToolCatalogue,
    private readonly sessions: SessionStore,
    private readonly metrics: EnforcerMetrics,
    private readonly options: {
      storeContent: boolean;
      cacheSize: number;
      cacheTtlSeconds: number;
      keywordLists: readonly CompiledKeywordList[];
      classify: ((content: string) => Promise<ClassifierVerdict>) | null;
    },
  ) {
    this.cache =
      options.cacheSize > 0 ? new LRUCache({ max: options.cacheSize, ttl: options.cacheTtlSeconds * 1000 }) : null;
  }

  /**
   * Decides one request. A request in a session (`sessionId`, owned by the caller) is decided after the session's
   * earlier requests, with their history in the context, and adds to that history.
   */
  async evaluate(
    request: EvaluationRequest,
    callerId: string | null,
    requestId: string,
    sessionId: string | null = null,
  ): Promise<DecisionResponse> {
    if (sessionId === null || callerId === null) return this.decideAndLog(request, callerId, requestId, null);
    return this.sessions.serialised(callerId, sessionId, async () => {
      const history = await this.sessions.history(callerId, sessionId);
      const response = await this.decideAndLog(request, callerId, requestId, history);
      await this.sessions.record(
        callerId,
        sessionId,
        sessionStep({ action: request.action, resource: request.resource, ...response }),
      );
      return response;
    });
  }

  private async decideAndLog(
    given: EvaluationRequest,
    callerId: string | null,
    requestId: string,
    session: SessionHistory | null,
  ): Promise<DecisionResponse> {
    const started = process.hrtime.bigint();
    const request = await this.withCatalogue(given);
    const engine = this.bundle.engine;
    const contentDigest = request.content === undefined ? null : sha256(request.content);
    const requestDigest = sha256(
      canonicalJson({
        principal: request.principal,
        action: request.action,
        resource: request.resource,
        context: request.context ?? {},
        content_digest: contentDigest,
        ...(session === null ? {} : { session }),
      }),
    );
    // The content digest stands in for the content, so equal requests share an entry without the cache holding text.
    const cacheKey = engine === null ? null : `${engine.bundleHash}:${requestDigest}`;
    let outcome = cacheKey === null ? undefined : this.cache?.get(cacheKey);
    if (outcome === undefined) {
      const classifier =
        this.options.classify === null || request.content === undefined
          ? undefined
          : await this.options.classify(request.content);
      // The engine may have been swapped while the classifier answered; decide on the one the cache key names.
      try {
        outcome = decide(engine, request, {
          keywordLists: this.options.keywordLists,
          ...(classifier === undefined ? {} : { classifier }),
          ...(session === null ? {} : { session }),
        });
      } catch (error) {
        if (error instanceof EngineRequestError) throw new ValidationError(error.message, 'INVALID_REQUEST');
        throw error;
      }
      if (cacheKey !== null && classifier?.ok !== false) this.cache?.set(cacheKey, outcome);
      for (const [detector, us] of Object.entries(outcome.detector_timings_us))
        this.metrics.detectors.observe({ detector }, us / 1e6);
    }
    const latencyUs = Math.round(Number(process.hrtime.bigint() - started) / 1000);
    const id = randomUUID();
    const evaluatedAt = new Date();
    await this.log.append({
      id,
      createdAt: evaluatedAt,
      callerId,
      principal: request.principal,
      action: request.action,
      resource: request.resource,
      context: outcome.context,
      contentDigest,
      content: this.options.storeContent ? (request.content ?? null) : null,
      decision: outcome.decision,
      reasons: outcome.reasons,
      findings: outcome.findings,
      obligations: outcome.obligations,
      bundleHash: outcome.bundle_hash,
      constitutionHash: outcome.constitution_hash,
      latencyUs,
      requestId,
      requestDigest,
    });
    this.metrics.decisions.inc({ decision: outcome.decision, action: request.action });
    if (outcome.decision === 'deny') {
      for (const principle of new Set(outcome.reasons.flatMap((reason) => reason.principles)))
        this.metrics.denialsByPrinciple.inc({ principle });
    }
    for (const reason of outcome.reasons) {
      if (isFailClosed(reason)) this.metrics.failClosed.inc({ reason: reason.error_code! });
    }
    this.metrics.duration.observe(latencyUs / 1e6);
    return {
      decision_id: id,
      decision: outcome.decision,
      reasons: outcome.reasons,
      findings: outcome.findings,
      obligations: outcome.obligations,
      constitution_hash: outcome.constitution_hash,
      bundle_hash: outcome.bundle_hash,
      evaluated_at: evaluatedAt.toISOString(),
      latency_us: latencyUs,
    };
  }

  /** A catalogued tool is decided on the catalogue's attributes, never on what the caller says of it. */
  private async withCatalogue(request: EvaluationRequest): Promise<EvaluationRequest> {
    if (request.resource.type !== 'Tool') return request;
    const tool = await this.catalogue.lookup(request.resource.id);
    if (tool === null) return request;
    return {
      ...request,
      resource: { ...request.resource, attributes: resourceAttributes(request.resource.attributes, tool) },
    };
  }

  /** The `Tool` entity a catalogued tool is decided as (for questions asked of the engine outside a decision). */
  toolResource(id: string, tool: CatalogueTool | null): EntityRef {
    const attributes = resourceAttributes(undefined, tool);
    return attributes === undefined ? { type: 'Tool', id } : { type: 'Tool', id, attributes };
  }
}
