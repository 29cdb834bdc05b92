import type { FastifyBaseLogger } from 'fastify';
import { isDeepStrictEqual } from 'node:util';
import type { PrincipleContent } from '../../domain/constitution/types.js';
import { AppError } from '../../domain/errors.js';
import { GOVERNANCE_SCHEMA } from '../../domain/policy/governance-schema.js';
import { schemaShape } from '../../domain/policy/schema-shape.js';
import { compilePrinciples, UncompilableConstraints, type CompiledPolicy } from '../../domain/synthesis/compiler.js';
import { diagnosticLine } from '../../domain/synthesis/diagnostics.js';
import type { ChatModel } from '../../domain/synthesis/chat-model.js';
import { synthesiseWithModel } from '../../domain/synthesis/model-synthesis.js';
import { chooseStrategy } from '../../domain/synthesis/strategies.js';
import { STARTER_PRINCIPLES } from '../../domain/constitution/starter.js';
import { starterPolicies } from '../../domain/synthesis/starter-bundle.js';
import type { PolicyText } from '../../domain/verify/questions.js';
import type { Platform } from '../../platform/platform.js';
import type { LazySolverPool } from '../../platform/solver/shared.js';
import type { ChangeSets } from '../integrity/change-sets.js';
import type { PolicySubmission } from './policy-submission.js';
import type { GsContext } from './context.js';
import type { OwnersReaders } from '../integrity/ports.js';
import type { ChangeSet } from '../integrity/change-set-store.js';
import { PolicyStore } from '../integrity/policy-store.js';
import type { ChangeSetVerification } from '../integrity/verification-gate.js';
import { candidateChecker } from './candidate-checker.js';
import type { TemplateStore } from './template-store.js';
import type { SynthesisMetrics } from './metrics.js';
import type { RunOutcome, RunStore, SubmittedPolicy, SynthesisRun } from './run-store.js';

const asList = (policies: Readonly<Record<string, string>>): PolicyText[] =>
  Object.entries(policies).map(([id, text]) => ({ id, text }));

let workedExamples: { principle: PrincipleContent; policies: PolicyText[] }[] | null = null;

/** Worked examples for the prompt: starter principles next to the exact Cedar the compiler makes of them. */
function examples(): { principle: PrincipleContent; policies: PolicyText[] }[] {
  const compiled = starterPolicies();
  return (workedExamples ??= [
    'human-approval-for-high-risk-tools',
    'restricted-data-needs-approval',
    'withhold-unsafe-outputs',
  ].map((key) => ({
    principle: STARTER_PRINCIPLES.find((principle) => principle.key === key)!,
    policies: [{ id: `${key}.1`, text: compiled[`${key}.1`]! }],
  })));
}

class RunFailed extends Error {}

/**
 * One synthesis run, start to finish: each principle's policies from the compiler or the model, proven to implement
 * the principle (the model's only after they are), then submitted to the policy store as drafts and taken through
 * its verify step, to wait for a second person's approval. Policies already in force unchanged are not submitted.
 */
export class Synthesiser {
  private readonly platform: Platform;
  private readonly store: RunStore;
  private readonly solver: LazySolverPool;
  private readonly model: ChatModel | null;
  private readonly metrics: SynthesisMetrics;
  private readonly policies: PolicyStore;
  private readonly submission: PolicySubmission;
  private readonly changeSets: ChangeSets;
  private readonly templates: TemplateStore;
  private readonly readers: OwnersReaders;

  constructor(
    context: GsContext,
    private readonly log: FastifyBaseLogger,
    private readonly random: () => number = Math.random,
  ) {
    this.platform = context.platform;
    this.store = context.runs;
    this.solver = context.solver;
    this.model = context.model;
    this.metrics = context.synthesis;
    this.policies = context.policies;
    this.submission = context.submission;
    this.changeSets = context.changeSets;
    this.templates = context.templates;
    this.readers = context.readers;
  }

  async run(run: SynthesisRun): Promise<void> {
    const started = performance.now();
    const report: Record<string, unknown> = { principles: {} };
    const engine = run.engine === 'llm' && this.model === null ? 'compiler' : run.engine;
    if (engine !== run.engine)
      report['note'] = 'no LLM is configured (LLM_BASE_URL): the constraints were compiled instead';
    try {
      // Read once per run, and only if a prompt needs it.
      let library: Promise<{ id: string; description: string; source: string }[]> | undefined;
      const inForce = await PolicyStore.activeTexts(this.platform.db);
      const constitution = await this.readers.constitutions.inForce(this.platform.db);
      // A loop run for a version a newer one replaced: the newer version's run carries its changes too.
      if (
        run.triggered_by_version !== null &&
        constitution !== null &&
        constitution.version > run.triggered_by_version
      ) {
        await this.end(run, engine, {
          status: 'superseded',
          reason: `constitution v${constitution.version} was enacted before this run started; its run carries these changes`,
          report,
          policies: [],
          revocations: [],
          changeSetId: null,
        });
        return;
      }
      const principles = this.constitutionWith(constitution?.principles ?? [], run.principles);
      const candidates: PolicyText[] = [];
      for (const [index, principle] of run.principles.entries()) {
        const entry: Record<string, unknown> = { engine };
        (report['principles'] as Record<string, unknown>)[principle.key] = entry;
        // What this principle's new policies replace: the active ones with its ids, and none of anyone else's.
        const rest = asList(inForce).filter(
          (policy) => !policy.id.startsWith(`${principle.key}.`) && !candidates.some((c) => c.id === policy.id),
        );
        // The principles of this run still to come have no policies yet: each is proved against the constitution
        // without them, and the change set as a whole against all of it once every principle has its policies.
        const later = new Set(run.principles.slice(index + 1).map((p) => p.key));
        const check = candidateChecker(
          this.solver,
          {
            schema: GOVERNANCE_SCHEMA,
            rest: [...rest, ...candidates],
            principles: principles.filter((p) => !later.has(p.key)),
          },
          (ok) => this.metrics.serviceCalls(ok),
        );
        let verified: PolicyText[];
        if (engine === 'compiler') {
          const compiled = this.compile(principle);
          entry['compile_ms'] = compiled.ms;
          await this.store.stage(run.id, 'verifying');
          const checked = await check(principle, compiled.policies);
          entry['verification'] = checked.report;
          if (checked.verdict !== 'verified')
            throw new RunFailed(
              `${principle.key}: the compiled policies did not verify (${checked.verdict}): ${checked.diagnostics.map(diagnosticLine).join('; ')}`,
            );
          verified = compiled.policies;
          this.metrics.attempts('compiler', 1);
        } else {
          const strategy = chooseStrategy(await this.store.strategyRecords(), this.random);
          entry['strategy'] = strategy;
          if (principle.constraints.length === 0)
            entry['verification_scope'] =
              'the principle has no constraints: the policies were validated, checked against the constitution in force and for soundness, but nothing proves they mean what its text says; they carry @generated_by("llm-unverified") and need two approvers';
          const outcome = await synthesiseWithModel(
            {
              principle,
              schema: GOVERNANCE_SCHEMA,
              inForce: rest,
              examples: examples(),
              templates: await (library ??= this.library()),
            },
            this.model!,
            async (p, policies) => {
              await this.store.stage(run.id, 'verifying');
              return check(p, policies);
            },
            {
              maxAttempts: this.platform.config.synthesisMaxAttempts,
              generatedBy: principle.constraints.length === 0 ? 'llm-unverified' : 'llm',
              strategy,
              onAttempt: (attempt) => this.store.recordAttempt(run.id, principle.key, attempt),
            },
          );
          this.metrics.attempts('llm', outcome.attempts.length);
          entry['attempts'] = outcome.attempts.length;
          if (outcome.outcome === 'failed') throw new RunFailed(`${principle.key}: ${outcome.reason}`);
          entry['verification'] = outcome.report;
          verified = outcome.policies;
        }
        entry['policies'] = verified;
        candidates.push(...verified);
      }
      // Policies of these principles the new set no longer has leave force with the set.
      const dropped = Object.keys(inForce).filter(
        (id) => run.principles.some((p) => id.startsWith(`${p.key}.`)) && !candidates.some((c) => c.id === id),
      );
      const remove = [...new Set([...run.revocations_proposed, ...dropped])].filter((id) => id in inForce).sort();
      const amendment = run.triggered_by_version !== null;
      // Principles given inline and not (or not so) in the constitution in force cannot go into force: no change set of
      // them would conform. Their policies are drafts taken one by one through the verify step, for review.
      const enacted = new Map((constitution?.principles ?? []).map((p) => [p.key, p]));
      const notEnacted = run.principles
        .filter(
          (p) =>
            !isDeepStrictEqual(enacted.get(p.key)?.constraints, p.constraints) ||
            !isDeepStrictEqual(enacted.get(p.key)?.scope, p.scope),
        )
        .map((p) => p.key);
      const submitted = await this.submit(run, candidates, inForce, !amendment && notEnacted.length > 0);
      report['duration_ms'] = Math.round(performance.now() - started);
      if (!amendment && notEnacted.length > 0) {
        await this.end(run, engine, {
          status: submitted.length === 0 ? 'active' : 'awaiting_approval',
          reason:
            submitted.length === 0
              ? 'the policies in force already implement these principles'
              : `${notEnacted.join(', ')} ${notEnacted.length === 1 ? 'is' : 'are'} not in the constitution in force: the policies were verified one by one for review, and go into force in a change set once the principles are enacted`,
          report,
          policies: submitted,
          revocations: [],
          changeSetId: null,
        });
        return;
      }
      if (submitted.length === 0 && remove.length === 0 && !amendment) {
        await this.end(run, engine, {
          status: 'active',
          reason: 'the policies in force already implement these principles',
          report,
          policies: [],
          revocations: [],
          changeSetId: null,
        });
        return;
      }
      const { set, report: verification } = await this.proposeChangeSet(run, submitted, remove, amendment);
      report['change_set'] = { id: set.id, status: set.status, verification };
      await this.end(run, engine, {
        status: set.status === 'rejected' ? 'failed' : set.status === 'active' ? 'active' : 'awaiting_approval',
        reason:
          set.status === 'rejected'
            ? set.reason
            : set.status === 'active'
              ? `the policies in force already implement constitution v${set.constitution_version}: bundle v${set.bundle_version} names it`
              : `change set ${set.id} awaits approval by a second person${remove.length > 0 ? `; it takes ${remove.join(', ')} out of force` : ''}`,
        report,
        policies: submitted,
        revocations: remove,
        changeSetId: set.id,
      });
    } catch (error) {
      // A lost database is no verdict on the run: it is queued again once the database is back.
      if (error instanceof AppError && error.kind === 'unavailable') throw error;
      // Anything else ends the run with its reason; an error nobody anticipated is logged too, never retried forever.
      const expected = error instanceof RunFailed || error instanceof AppError;
      if (!expected) this.log.error({ err: error, run: run.id }, 'synthesis run failed');
      report['duration_ms'] = Math.round(performance.now() - started);
      await this.end(run, engine, {
        status: 'failed',
        reason: expected ? error.message : `internal error: ${(error as Error).message}`,
        report,
        policies: [],
        revocations: [],
        changeSetId: null,
      });
    }
  }

  /** Ends a run with its outcome, stored and audited, and counted by engine and outcome. */
  private async end(run: SynthesisRun, engine: string, outcome: RunOutcome): Promise<void> {
    await this.store.finish(run.id, outcome);
    this.metrics.finished(engine, outcome.status);
  }

  private compile(principle: PrincipleContent): { policies: CompiledPolicy[]; ms: number } {
    const started = performance.now();
    try {
      const policies = compilePrinciples([principle], schemaShape(GOVERNANCE_SCHEMA));
      return { policies, ms: Math.round((performance.now() - started) * 1000) / 1000 };
    } catch (error) {
      if (error instanceof UncompilableConstraints)
        throw new RunFailed(`the constraints do not compile: ${error.message}`);
      throw error;
    }
  }

  /** Up to five library templates, as a prompt shows them. */
  private async library(): Promise<{ id: string; description: string; source: string }[]> {
    const templates = await this.templates.list(5, null);
    return templates.map(({ id, description, source }) => ({ id, description, source }));
  }

  /** The constitution in force with these principles in it (added, or replacing the version of the same key). */
  private constitutionWith(inForce: readonly PrincipleContent[], principles: readonly PrincipleContent[]) {
    const keys = new Set(principles.map((principle) => principle.key));
    return [...inForce.filter((principle) => !keys.has(principle.key)), ...principles];
  }

  /**
   * Drafts for every policy that differs from the version in force. They are verified together, as the change set
   * that carries them: each alone may violate a principle another of them implements.
   */
  private async submit(
    run: SynthesisRun,
    candidates: readonly PolicyText[],
    inForce: Readonly<Record<string, string>>,
    verifyEach: boolean,
  ): Promise<SubmittedPolicy[]> {
    const submitted: SubmittedPolicy[] = [];
    const why =
      run.amendment_id === null
        ? `synthesis run ${run.id}`
        : `synthesis run ${run.id} for amendment ${run.amendment_id}`;
    for (const candidate of candidates) {
      if (inForce[candidate.id] === candidate.text) continue;
      let draft = await this.policies.pendingOrDraft(
        candidate.id,
        candidate.text,
        `Generated by ${why}`,
        run.created_by,
      );
      if (verifyEach && draft.status === 'draft') draft = await this.submission.verifyDraft(draft, run.created_by);
      submitted.push({ policy_id: draft.policy_id, version: draft.version });
    }
    return submitted;
  }

  /**
   * One change set for the whole run, proposed by whoever enacted the amendment (or asked for the run) so that a
   * second person approves it, and verified as a whole. A set that changes nothing needs no approval: it is activated
   * at once, so the bundle in force names the constitution it already implements.
   */
  private async proposeChangeSet(
    run: SynthesisRun,
    put: readonly SubmittedPolicy[],
    remove: readonly string[],
    amendment: boolean,
  ): Promise<{ set: ChangeSet; report: ChangeSetVerification }> {
    await this.store.stage(run.id, 'verifying');
    const proposed = await this.changeSets.propose(
      {
        put,
        remove,
        description:
          run.amendment_id === null
            ? `synthesis run ${run.id}: ${run.principle_keys.join(', ')}`
            : `amendment ${run.amendment_id} (constitution v${run.triggered_by_version}): ${run.principle_keys.join(', ') || 'no principle to synthesise'}`,
      },
      amendment ? 'amendment' : 'synthesis',
      run.created_by,
    );
    const verified = await this.changeSets.verify(proposed.id, run.created_by);
    if (verified.set.status === 'approved' && verified.set.approvals_required === 0)
      return { set: await this.changeSets.activate(proposed.id, null), report: verified.report };
    return verified;
  }
}
