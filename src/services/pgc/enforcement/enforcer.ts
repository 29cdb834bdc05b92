import { createHash, randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { canonicalJson } from '../../../domain/canonical-json.js';
import {
  decide,
  effectiveContext,
  isFailClosed,
  type DecisionOutcome,
  type EvaluationRequest,
  type Obligation,
  type SessionHistory,
} from '../../../domain/enforcement/decide.js';
import { sessionStep } from '../../../domain/enforcement/session.js';
import { bindingDigest, INDEPENDENT_REVIEW } from '../../../domain/approvals/approvals.js';
import { resourceAttributes, type CatalogueTool } from '../../../domain/tools/catalogue.js';
import { EngineRequestError, type EntityRef, type PolicyEngine } from '../../../domain/enforcement/engine.js';
import type { ClassifierVerdict } from '../../../domain/detectors/moderation.js';
import { detectedContext, type Detection } from '../../../domain/detectors/run.js';
import type { Finding } from '../../../domain/detectors/finding.js';
import { AppError, ValidationError } from '../../../domain/errors.js';
import type { DecisionReasonCode } from '../../../domain/error-codes.js';
import type { DetectorPool } from '../detection/detector-pool.js';
import type { ActiveBundle } from './active-bundle.js';
import type { DecisionLog } from '../decision-log/log.js';
import type { EnforcerMetrics } from '../metrics.js';
import type { ApprovalStore } from './approval-store.js';
import type { EnforcementSession } from './session-store.js';
import type { ToolCatalogue } from './tool-catalogue.js';
import { inDecisionSpan, type DecisionTrace } from './decision-span.js';
import { activeTraceIds, spanInForce } from '../../../platform/tracing.js';

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

/** Who asks: the authenticated account, and the API key it used (whose issuer is the agent's owner). */
export interface EnforcementCaller {
  userId: string;
  apiKeyId: string | null;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** What the platform observed of a request's content: the detectors' findings and the classifier's verdict. */
interface Scan {
  detection: Detection | undefined;
  classifier: ClassifierVerdict | undefined;
}

/** A held request's review: the outcome to log, and the grant used or the approval request to open. */
interface Review {
  outcome: DecisionOutcome;
  obligation: Obligation | undefined;
  /** What a grant must be bound to: this requester asking this of this resource with this content. */
  binding: string | null;
  approvalId: string | null;
  pending: string | null;
}

/** The scan runs at most once per decision, and only when something needs what it observed. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | null = null;
  return () => (made ??= make());
}

/** Decides, records durably, then answers: the decision API's whole path, used by the routes and batch alike. */
export class Enforcer {
  private readonly cache: LRUCache<string, DecisionOutcome> | null;

  constructor(
    private readonly bundle: ActiveBundle,
    private readonly log: DecisionLog,
    private readonly catalogue: ToolCatalogue,
    private readonly approvals: ApprovalStore,
    private readonly metrics: EnforcerMetrics,
    private readonly options: {
      storeContent: boolean;
      cacheSize: number;
      cacheTtlSeconds: number;
      detectors: DetectorPool;
      /** ACGS_MAX_CONTENT_BYTES: larger content is refused at every entry, before any scan. */
      maxContentBytes: number;
      classify: ((content: string) => Promise<ClassifierVerdict>) | null;
    },
  ) {
    this.cache =
      options.cacheSize > 0 ? new LRUCache({ max: options.cacheSize, ttl: options.cacheTtlSeconds * 1000 }) : null;
  }

  /**
   * Decides one request. A request in a session is decided after the session's earlier requests, with their history
   * in the context, and adds to that history.
   */
  async evaluate(
    request: EvaluationRequest,
    caller: EnforcementCaller,
    requestId: string,
    session: EnforcementSession | null = null,
    traced: DecisionTrace = 'own-span',
  ): Promise<DecisionResponse> {
    this.checkContent(request);
    return inDecisionSpan(
      request,
      () => this.inSession(session, request, (history) => this.decideAndLog(request, caller, requestId, history)),
      traced,
    );
  }

  /**
   * Denies a request the platform refuses before any policy is asked (an MCP tool name no upstream listed, say) and
   * logs that denial like any decision, with the reason's code; nothing of the request's content is kept.
   */
  async refuse(
    request: Omit<EvaluationRequest, 'content'>,
    reason: { error_code: DecisionReasonCode; message: string },
    caller: EnforcementCaller,
    requestId: string,
    session: EnforcementSession | null = null,
  ): Promise<DecisionResponse> {
    const refused = (history: SessionHistory | null) => {
      const started = process.hrtime.bigint();
      const engine = this.bundle.engine;
      const decidedAt = new Date();
      const outcome: DecisionOutcome = {
        decision: 'deny',
        reasons: [{ policy_id: null, effect: 'forbid', principles: [], ...reason }],
        findings: [],
        obligations: [],
        context: effectiveContext(request.context, null, history),
        bundle_hash: engine?.bundleHash ?? null,
        constitution_hash: engine?.bundle.constitution_hash ?? null,
        detector_timings_us: {},
      };
      const requestDigest = this.requestDigest(request, null, history);
      return this.logged(request, outcome, caller, {
        requestId,
        requestDigest,
        contentDigest: null,
        started,
        decidedAt,
      });
    };
    return inDecisionSpan(request, () => this.inSession(session, request, refused), 'own-span');
  }

  /** A request in a session is decided after the session's earlier ones, with their history, and adds to it. */
  private inSession(
    session: EnforcementSession | null,
    request: Omit<EvaluationRequest, 'content'>,
    decideIn: (history: SessionHistory | null) => Promise<DecisionResponse>,
  ): Promise<DecisionResponse> {
    if (session === null) return decideIn(null);
    return session.serialised(async () => {
      const response = await decideIn(await session.history());
      await session.record(sessionStep({ action: request.action, resource: request.resource, ...response }));
      return response;
    });
  }

  private requestDigest(
    request: Omit<EvaluationRequest, 'content'>,
    contentDigest: string | null,
    session: SessionHistory | null,
  ): string {
    return sha256(
      canonicalJson({
        principal: request.principal,
        action: request.action,
        resource: request.resource,
        context: request.context ?? {},
        content_digest: contentDigest,
        ...(session === null ? {} : { session }),
      }),
    );
  }

  /** One decision in steps: decide (or reuse a cached outcome), settle any review it asks for, log, then tell approvals. */
  private async decideAndLog(
    given: EvaluationRequest,
    caller: EnforcementCaller,
    requestId: string,
    session: SessionHistory | null,
  ): Promise<DecisionResponse> {
    const started = process.hrtime.bigint();
    const request = await this.withCatalogue(given);
    const engine = this.bundle.engine;
    // A decision's time is when its bundle was chosen: none stamped after an instance acknowledged a new bundle used
    // the old one, however long the scan that followed took.
    const decidedAt = new Date();
    const contentDigest = request.content === undefined ? null : sha256(request.content);
    const requestDigest = this.requestDigest(request, contentDigest, session);
    const scan = once(() => this.scan(request));
    const decided = await this.cachedOrDecided(
      engine,
      request,
      `${engine?.bundleHash}:${requestDigest}`,
      scan,
      session,
    );
    const review = await this.review(engine, request, caller, contentDigest, decided, scan, session);
    const response = await this.logged(request, review.outcome, caller, {
      requestId,
      requestDigest,
      contentDigest,
      started,
      approvalId: review.approvalId,
      decidedAt,
    });
    await this.tellApprovals(engine, request, caller, contentDigest, review, response.decision_id);
    return response;
  }

  /**
   * The outcome for this request: from the cache when an equal request (same bundle, same digest) was decided
   * before, else decided on what the scan observed. The content digest stands in for the content, so equal requests
   * share an entry without the cache holding text.
   */
  private async cachedOrDecided(
    engine: PolicyEngine | null,
    request: EvaluationRequest,
    cacheKey: string,
    scan: () => Promise<Scan>,
    session: SessionHistory | null,
  ): Promise<DecisionOutcome> {
    const cached = engine === null ? undefined : this.cache?.get(cacheKey);
    if (cached !== undefined) return cached;
    const observed = await scan();
    // The engine may have been swapped while the classifier answered; decide on the one the cache key names.
    const outcome = this.decideWith(engine, request, observed, session);
    if (engine !== null && observed.classifier?.ok !== false) this.cache?.set(cacheKey, outcome);
    for (const [detector, us] of Object.entries(outcome.detector_timings_us))
      this.metrics.detectors.observe({ detector }, us / 1e6);
    return outcome;
  }

  /**
   * A request held for review: a person's grant bound to this very request decides it again (the grant waives the
   * review it was asked for and nothing else: detectors and classifier still decide); without one, the held outcome
   * names the approval request that will be opened for it.
   */
  private async review(
    engine: PolicyEngine | null,
    request: EvaluationRequest,
    caller: EnforcementCaller,
    contentDigest: string | null,
    outcome: DecisionOutcome,
    scan: () => Promise<Scan>,
    session: SessionHistory | null,
  ): Promise<Review> {
    const obligation = outcome.obligations.find((candidate) => candidate.type === 'require_human_review');
    if (obligation === undefined) return { outcome, obligation, binding: null, approvalId: null, pending: null };
    const binding = bindingDigest({
      requesterId: caller.userId,
      principal: request.principal,
      action: request.action,
      resource: request.resource,
      contentDigest,
    });
    const approvalId = await this.approvals.claim(caller.userId, binding);
    if (approvalId !== null)
      return {
        outcome: this.decideWith(engine, request, await scan(), session, true),
        obligation,
        binding,
        approvalId,
        pending: null,
      };
    const pending = (await this.approvals.pendingFor(caller.userId, binding)) ?? randomUUID();
    const obligations = outcome.obligations.map((held) =>
      held.type === 'require_human_review' ? { ...held, approval_id: pending } : held,
    );
    return { outcome: { ...outcome, obligations }, obligation, binding, approvalId: null, pending };
  }

  /** After the decision is logged: a used grant is marked used by it; a held request opens (or joins) its approval. */
  private async tellApprovals(
    engine: PolicyEngine | null,
    request: EvaluationRequest,
    caller: EnforcementCaller,
    contentDigest: string | null,
    { outcome, obligation, binding, approvalId, pending }: Review,
    decisionId: string,
  ): Promise<void> {
    if (approvalId !== null) await this.approvals.usedBy(approvalId, decisionId, caller.userId);
    if (pending === null || binding === null || engine === null) return;
    await this.approvals.request({
      id: pending,
      decisionId,
      requesterId: caller.userId,
      apiKeyId: caller.apiKeyId,
      independent: outcome.reasons.some((reason) =>
        engine.bundle.policies.some(
          (policy) => policy.id === reason.policy_id && policy.obligations.includes(INDEPENDENT_REVIEW),
        ),
      ),
      principal: request.principal,
      action: request.action,
      resource: request.resource,
      bindingDigest: binding,
      contentDigest,
      policyIds: obligation?.type === 'require_human_review' ? obligation.policy_ids : [],
      principles: [...new Set(outcome.reasons.flatMap((reason) => reason.principles))],
    });
  }

  /** Logs a decision durably, counts it, and answers it: nothing is answered that was not logged first. */
  private async logged(
    request: Omit<EvaluationRequest, 'content'> & { content?: string },
    outcome: DecisionOutcome,
    caller: EnforcementCaller,
    at: {
      requestId: string;
      requestDigest: string;
      contentDigest: string | null;
      started: bigint;
      approvalId?: string | null;
      decidedAt: Date;
    },
  ): Promise<DecisionResponse> {
    const latencyUs = Math.round(Number(process.hrtime.bigint() - at.started) / 1000);
    const id = randomUUID();
    const evaluatedAt = at.decidedAt;
    const appending = performance.now();
    const leaf = await this.log.append({
      id,
      createdAt: evaluatedAt,
      callerId: caller.userId,
      approvalId: at.approvalId ?? null,
      principal: request.principal,
      action: request.action,
      resource: request.resource,
      context: outcome.context,
      contentDigest: at.contentDigest,
      content: this.options.storeContent ? (request.content ?? null) : null,
      decision: outcome.decision,
      reasons: outcome.reasons,
      findings: outcome.findings,
      obligations: outcome.obligations,
      bundleHash: outcome.bundle_hash,
      constitutionHash: outcome.constitution_hash,
      latencyUs,
      requestId: at.requestId,
      requestDigest: at.requestDigest,
      traceId: activeTraceIds()?.trace_id ?? null,
    });
    // The durable append as an event on the decision's span (a span of its own would cost as much as the decision's):
    // where it landed in the log and how long the decision waited for it.
    spanInForce()?.addEvent('acgs.audit.append', {
      'acgs.decision_id': id,
      'acgs.audit.leaf_index': leaf,
      'acgs.audit.wait_ms': Math.round((performance.now() - appending) * 1000) / 1000,
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

  /**
   * Decides as the decision API would — catalogue, detectors, classifier, the engine in force or a candidate — and
   * logs nothing: no decision row, no audit entry, no approval, no metrics. The console's test bench.
   */
  async simulate(given: EvaluationRequest, engine: PolicyEngine | null = this.bundle.engine): Promise<DecisionOutcome> {
    this.checkContent(given);
    const request = await this.withCatalogue(given);
    return this.decideWith(engine, request, await this.scan(request), null);
  }

  /** The detectors on a small piece of text, on this thread: a streamed answer's held window between releases. */
  detectHere(content: string): Finding[] {
    return this.options.detectors.detectHere(content).findings;
  }

  /** The external classifier, when one is configured: a streamed answer then waits for its verdicts to release. */
  get classifier(): ((content: string) => Promise<ClassifierVerdict>) | null {
    return this.options.classify;
  }

  /**
   * What the bundle in force decides on findings gathered elsewhere (a streamed answer's, scan by scan) and a
   * classifier's verdict, logging nothing: the check between a stream's releases. Its decision is logged when the
   * stream ends or is stopped, by `evaluate` on the text itself.
   */
  judge(
    request: Omit<EvaluationRequest, 'content'>,
    findings: readonly Finding[],
    classifier: ClassifierVerdict | undefined,
  ): DecisionOutcome {
    const detection: Detection = { findings: [...findings], context: detectedContext(findings) };
    return this.decideWith(this.bundle.engine, request, { detection, classifier }, null);
  }

  /** Content over ACGS_MAX_CONTENT_BYTES is refused before anything reads it, whichever entry it came by. */
  checkContent(request: EvaluationRequest): void {
    const tooLarge = request.content === undefined ? null : this.contentTooLarge(request.content);
    if (tooLarge !== null) throw new AppError('too_large', 'CONTENT_TOO_LARGE', tooLarge);
  }

  /** Why content is over ACGS_MAX_CONTENT_BYTES, or null when it is within it. */
  contentTooLarge(content: string): string | null {
    const { maxContentBytes } = this.options;
    // UTF-8 takes at most three bytes per UTF-16 unit: counting bytes is needed only near the limit.
    if (content.length * 3 <= maxContentBytes || Buffer.byteLength(content, 'utf8') <= maxContentBytes) return null;
    return `content is over the ${maxContentBytes}-byte limit (ACGS_MAX_CONTENT_BYTES)`;
  }

  /** Detectors (off the event loop when the content is large) and the classifier, side by side. */
  private async scan(request: EvaluationRequest): Promise<Scan> {
    if (request.content === undefined) return { detection: undefined, classifier: undefined };
    const [detection, classifier] = await Promise.all([
      this.options.detectors.detect(request.content),
      this.options.classify === null ? undefined : this.options.classify(request.content),
    ]);
    return { detection, classifier };
  }

  /** decide() on what the scan observed; a request Cedar cannot take is the caller's 400, not our 500. */
  private decideWith(
    engine: PolicyEngine | null,
    request: EvaluationRequest,
    { detection, classifier }: Scan,
    session: SessionHistory | null,
    approved = false,
  ): DecisionOutcome {
    try {
      return decide(engine, request, {
        ...(detection === undefined ? {} : { detection }),
        ...(classifier === undefined ? {} : { classifier }),
        ...(session === null ? {} : { session }),
        approved,
      });
    } catch (error) {
      if (error instanceof EngineRequestError)
        throw new ValidationError(error.message, 'INVALID_REQUEST', { cause: error });
      throw error;
    }
  }

  /**
   * A catalogued tool is decided as what the catalogue says it is: its attributes, and `context.tool` its id —
   * never what the caller says of it. A tool the catalogue does not know keeps what the caller declared.
   */
  private async withCatalogue(request: EvaluationRequest): Promise<EvaluationRequest> {
    if (request.resource.type !== 'Tool') return request;
    const tool = await this.catalogue.lookup(request.resource.id);
    if (tool === null) return request;
    return {
      ...request,
      resource: { ...request.resource, attributes: resourceAttributes(request.resource.attributes, tool) },
      context: { ...request.context, tool: request.resource.id },
    };
  }

  /** The `Tool` entity a catalogued tool is decided as (for questions asked of the engine outside a decision). */
  toolResource(id: string, tool: CatalogueTool | null): EntityRef {
    const attributes = resourceAttributes(undefined, tool);
    return attributes === undefined ? { type: 'Tool', id } : { type: 'Tool', id, attributes };
  }
}
