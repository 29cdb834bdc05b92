import type { PrincipleContent } from '../../../domain/constitution/types.js';
import { constraintProblems } from '../../../domain/constitution/constraints.js';
import { NotFoundError, UnprocessableError, ValidationError } from '../../../domain/errors.js';
import { createdAtIdCursor } from '../../../domain/pagination.js';
import { GOVERNANCE_SCHEMA } from '../../../domain/policy/governance-schema.js';
import { schemaShape } from '../../../domain/policy/schema-shape.js';
import { compilePrinciples, UncompilableConstraints, type CompiledPolicy } from '../../../domain/synthesis/compiler.js';
import { posteriorMean } from '../../../domain/synthesis/strategies.js';
import { principalOf } from '../../../platform/http/access.js';
import { errorResponses, UuidParam } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { SynthesisRunner } from '../runner.js';
import {
  ConstitutionDraftView,
  RunList,
  RunListQuery,
  RunView,
  RunWithAttemptsView,
  StrategyList,
  SynthesizeConstitutionBody,
  SynthesizePolicyBody,
} from '../schemas.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';
import type { GsContext } from '../context.js';

/**
 * Refuses principles whose constraints cannot be compiled or verified: 422 naming each by principle and pointer. A
 * principle without constraints can only be written by an LLM from its text (`textOnly`), as an unverified policy.
 */
function mustCompile(principles: readonly PrincipleContent[], textOnly: boolean): void {
  const empty = principles.filter((principle) => principle.constraints.length === 0);
  if (empty.length > 0 && !textOnly)
    throw new UnprocessableError(
      `${empty.map((p) => p.key).join(', ')}: no constraints to compile (draft them with POST /api/v1/synthesize/specification, or use engine llm with an LLM configured: its policies are then unverified and need two approvers)`,
      'CONSTRAINTS_NOT_COMPILABLE',
    );
  compileOrRefuse(principles);
}

/** The compiled policies, or 422 CONSTRAINTS_NOT_COMPILABLE naming each constraint that does not type-check. */
function compileOrRefuse(principles: readonly PrincipleContent[]): CompiledPolicy[] {
  try {
    return compilePrinciples(principles, schemaShape(GOVERNANCE_SCHEMA));
  } catch (error) {
    if (error instanceof UncompilableConstraints)
      throw new UnprocessableError(error.message, 'CONSTRAINTS_NOT_COMPILABLE', { cause: error });
    throw error;
  }
}

/** Synthesis: principles to verified Cedar drafts (queued runs), a constitution to a bundle draft, and the runs. */
export function registerSynthesizeRoutes(
  app: ServiceApp,
  { platform, runs: store, solver, model, constitutions, readers }: GsContext,
  runner: SynthesisRunner,
): void {
  const llmConfigured = model !== null;

  app.post(
    '/api/v1/synthesize/policy',
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['synthesis'],
        summary:
          'Queue synthesis of principles (by key, or one given inline) into Cedar drafts: verified, then submitted to the policy store for a second person to approve',
        body: SynthesizePolicyBody,
        response: { 202: RunView, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const { principle_ids: keys, principle, engine = 'compiler' } = request.body;
      if ((keys === undefined) === (principle === undefined))
        throw new ValidationError('give exactly one of principle_ids and principle');
      const constitution = await readers.constitutions.inForce(platform.db);
      let principles: PrincipleContent[];
      if (principle !== undefined) {
        // Malformed constraints are bad input (400); well-formed ones that do not type-check cannot be compiled (422).
        const problems = constraintProblems(principle.constraints, '/principle/constraints');
        if (problems.length > 0)
          throw new ValidationError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), 'INVALID_PRINCIPLE');
        principles = [principle as PrincipleContent];
      } else {
        const byKey = new Map((constitution?.principles ?? []).map((p) => [p.key, p]));
        const missing = keys!.filter((key) => !byKey.has(key));
        if (missing.length > 0)
          throw new NotFoundError(
            `not principles of the constitution in force: ${missing.join(', ')}`,
            'PRINCIPLE_NOT_FOUND',
          );
        principles = keys!.map((key) => byKey.get(key)!);
      }
      mustCompile(principles, engine === 'llm' && llmConfigured);
      const run = await store.create({
        engine,
        principles,
        constitution: constitution === null ? null : { version: constitution.version, hash: constitution.hash },
        createdBy: principalOf(request).userId,
      });
      runner.kick();
      return reply.status(202).send(run!);
    },
  );

  app.post(
    '/api/v1/synthesize/constitutional',
    {
      config: { access: AUDIENCES.policyEditors },
      schema: {
        tags: ['synthesis'],
        summary:
          'Compile a whole constitution version into a bundle draft with its verification report (conformance and translation validation); stores nothing',
        body: SynthesizeConstitutionBody,
        response: { 200: ConstitutionDraftView, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const version =
        request.body.version === undefined
          ? await constitutions.currentVersion()
          : await constitutions.version(request.body.version);
      if (version === null) throw new NotFoundError('No such constitution version', 'CONSTITUTION_NOT_FOUND');
      const started = performance.now();
      const policies = compileOrRefuse(version.document.principles);
      const compileMs = performance.now() - started;
      const texts = policies.map(({ id, text }) => ({ id, text }));
      const conformance = await solver.use((pool) =>
        pool.run('checkConformance', GOVERNANCE_SCHEMA, texts, version.document.principles, {}),
      );
      return {
        constitution_version: version.version,
        constitution_hash: version.hash,
        policies: texts,
        compile_ms: Math.round(compileMs * 1000) / 1000,
        verdict: conformance.verdict,
        conformance,
      };
    },
  );

  app.get(
    '/api/v1/synthesize/runs',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['synthesis'],
        summary: 'Synthesis runs, newest first (filter by status and engine; cursor pagination)',
        querystring: RunListQuery,
        response: { 200: RunList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const page = await store.list({
        status: request.query.status,
        engine: request.query.engine,
        after: createdAtIdCursor.decode(request.query.cursor),
        limit: request.query.limit ?? 50,
      });
      return { ...page, items: await Promise.all(page.items.map((run) => store.settle(run))) };
    },
  );

  app.get(
    '/api/v1/synthesize/strategies',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['synthesis'],
        summary: 'Prompt strategies and how their first replies went; LLM synthesis picks one by Thompson sampling',
        response: { 200: StrategyList, ...errorResponses(401, 403) },
      },
    },
    async () => ({
      selection:
        'Thompson sampling: one draw per strategy from Beta(1 + first replies verified, 1 + first replies not verified); the highest is used',
      items: (await store.strategyRecords()).map((record) => ({
        strategy: record.strategy,
        trials: record.trials,
        first_attempt_valid: record.firstValid,
        first_attempt_verified: record.firstVerified,
        posterior_mean: posteriorMean(record),
      })),
    }),
  );

  app.get(
    '/api/v1/synthesize/runs/:id',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['synthesis'],
        summary:
          'One run: queued → synthesising → verifying → awaiting_approval → active, or failed with the reason; every LLM attempt with its diagnostics',
        params: UuidParam,
        response: { 200: RunWithAttemptsView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const run = await store.settle(await store.get(request.params.id));
      return { ...run, attempts: await store.attempts(run.id) };
    },
  );
}
