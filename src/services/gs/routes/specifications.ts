import type { Constraint, PrincipleContent } from '../../../domain/constitution/types.js';
import { ConflictError, NotFoundError, ValidationError } from '../../../domain/errors.js';
import { GOVERNANCE_SCHEMA } from '../../../domain/policy/governance-schema.js';
import { schemaShape } from '../../../domain/policy/schema-shape.js';
import { draftConstraints } from '../../../domain/synthesis/specification-drafting.js';
import { principalOf } from '../../../platform/http/access.js';
import { errorResponses, UuidParam } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import { draftExamples } from '../draft-examples.js';
import { SpecificationList, SpecificationListQuery, SpecificationBody, SpecificationView } from '../schemas.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';
import type { GsContext } from '../context.js';

/** A scope's actions and resource types must be the schema's, or no constraint within it could type-check. */
function scopeProblems(scope: PrincipleContent['scope']): string[] {
  const shape = schemaShape(GOVERNANCE_SCHEMA);
  const actions = new Set(shape.actions.map((action) => action.id));
  return [
    ...scope.actions.filter((a) => !actions.has(a)).map((a) => `/scope/actions: "${a}" is not an action of the schema`),
    ...scope.resource_types
      .filter((t) => !shape.entityTypes.includes(t))
      .map((t) => `/scope/resource_types: "${t}" is not an entity type of the schema`),
  ];
}

/**
 * What to propose so the council votes on the drafted constraints: the principle an amendment adds, with them in it,
 * or else a change to the principle's constraints.
 */
function amendmentChange(
  key: string,
  constraints: readonly Constraint[],
  added: PrincipleContent | null,
): Record<string, unknown> {
  if (added === null) return { op: 'modify_principle', key, changes: { constraints } };
  return { op: 'add_principle', principle: { ...added, constraints } };
}

/**
 * Specification drafting: a principle written only in words gets LLM-drafted constraints, checked for form and
 * types, shown with a request each would decide and one it would not. A proposal for the council — nothing here
 * changes the constitution or what is enforced.
 */
export function registerSpecificationRoutes(
  app: ServiceApp,
  { platform, specifications: store, model, solver, constitutions }: GsContext,
): void {
  /** The principle an amendment adds (in full), or null when it modifies one (the change holds only the fields). */
  async function fromAmendment(amendmentId: string, key: string) {
    const amendment = await constitutions.findAmendment(amendmentId);
    if (amendment === null) throw new NotFoundError('No amendment with this id', 'AMENDMENT_NOT_FOUND');
    for (const change of amendment.changes) {
      if (change.op === 'add_principle' && change.principle.key === key) return { principle: change.principle };
      if (change.op === 'modify_principle' && change.key === key) {
        const current = (await constitutions.currentVersion())?.document.principles.find((p) => p.key === key);
        if (current === undefined) break;
        return { principle: null, merged: { ...current, ...change.changes } as PrincipleContent };
      }
    }
    throw new NotFoundError(
      `amendment ${amendmentId} adds or modifies no principle "${key}"`,
      'PRINCIPLE_NOT_IN_AMENDMENT',
    );
  }

  app.post(
    '/api/v1/synthesize/specification',
    {
      config: { access: AUDIENCES.drafters },
      schema: {
        tags: ['synthesis'],
        summary:
          'Draft constraints for a principle given in words (from an amendment, or text and scope): a proposal for the council, with a request each constraint decides and one it does not',
        body: SpecificationBody,
        response: { 201: SpecificationView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      let text = body.text;
      let scope = body.scope;
      let added: PrincipleContent | null = null;
      if (body.amendment_id !== undefined) {
        const found = await fromAmendment(body.amendment_id, body.principle_key);
        added = found.principle;
        const principle = found.principle ?? found.merged!;
        text ??= `${principle.normative_statement}\n\n${principle.description}`.trim();
        scope ??= principle.scope;
      }
      if (text === undefined || scope === undefined) throw new ValidationError('give amendment_id, or text and scope');
      const problems = scopeProblems(scope);
      if (problems.length > 0) throw new ValidationError(problems.join('; '), 'INVALID_PRINCIPLE');
      if (model === null)
        throw new ConflictError(
          'Drafting constraints from text needs an LLM, and this deployment has none: set LLM_BASE_URL and LLM_MODEL',
          'LLM_NOT_CONFIGURED',
        );
      const outcome = await draftConstraints(
        { key: body.principle_key, text, scope, schema: GOVERNANCE_SCHEMA },
        model,
        schemaShape(GOVERNANCE_SCHEMA),
        { maxAttempts: platform.config.synthesisMaxAttempts },
      );
      const constraints = outcome.outcome === 'verified' ? outcome.value : null;
      const draft = await store.create({
        amendment_id: body.amendment_id ?? null,
        principle_key: body.principle_key,
        text,
        scope,
        status: constraints === null ? 'failed' : 'drafted',
        reason: outcome.outcome === 'failed' ? outcome.reason : null,
        constraints,
        examples: constraints === null ? null : await draftExamples(solver, GOVERNANCE_SCHEMA, constraints),
        attempts: outcome.attempts.map(
          ({ attempt, model: name, promptTokens, completionTokens, latencyMs, output, diagnostics, verdict }) => ({
            attempt,
            model: name,
            promptTokens,
            completionTokens,
            latencyMs: Math.round(latencyMs),
            output,
            diagnostics,
            verdict,
          }),
        ),
        created_by: principalOf(request).userId,
        amendment_change: constraints === null ? null : amendmentChange(body.principle_key, constraints, added),
      });
      return reply.status(201).send(draft);
    },
  );

  app.get(
    '/api/v1/synthesize/specifications',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['synthesis'],
        summary: 'Specification drafts, newest first (filter by amendment)',
        querystring: SpecificationListQuery,
        response: { 200: SpecificationList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ items: await store.list(request.query.amendment_id ?? null, request.query.limit ?? 50) }),
  );

  app.get(
    '/api/v1/synthesize/specifications/:id',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['synthesis'],
        summary: 'One specification draft with its examples and every attempt',
        params: UuidParam,
        response: { 200: SpecificationView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => store.get(request.params.id),
  );
}
