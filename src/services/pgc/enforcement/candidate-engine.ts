import { PolicyEngine } from '../../../domain/enforcement/engine.js';
import { ValidationError } from '../../../domain/errors.js';
import { CedarDiagnosticsError } from '../../../domain/policy/cedar-diagnostics.js';
import { assembleBundle, BundleInvalidError, bundleHash } from '../../../domain/policy/bundle.js';
import { policiesFromSource } from '../../../domain/policy/policy-files.js';

/** A change to the policies in force that a dry run is asked to decide with. */
export interface CandidateChange {
  /** Cedar sources, each one or more policies with @id; a policy with an id in force replaces it. */
  add: readonly string[];
  /** Ids of policies in force to leave out. */
  remove: readonly string[];
}

/**
 * Builds the engine a candidate policy set decides with. cedar-wasm keeps every parsed set for the life of the
 * process under its name, so candidates share one namespace and are built one at a time: a dry run holds the lock
 * while it decides, and the next candidate then overwrites the last.
 */
export class CandidateEngines {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly namespace = `candidate${Math.random().toString(36).slice(2, 10)}`;

  /** Runs `use` with the engine for `active` changed by `change`; throws 400 for a change that does not apply. */
  with<T>(active: PolicyEngine, change: CandidateChange, use: (engine: PolicyEngine) => T | Promise<T>): Promise<T> {
    const run = this.queue.then(async () => use(this.build(active, change)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private build(active: PolicyEngine, change: CandidateChange): PolicyEngine {
    const inForce = new Set(active.bundle.policies.map((policy) => policy.id));
    const missing = change.remove.find((id) => !inForce.has(id));
    if (missing !== undefined)
      throw new ValidationError(`policy "${missing}" is not in the bundle in force`, 'POLICY_NOT_IN_BUNDLE');
    const removed = new Set(change.remove);
    const texts: Record<string, string> = Object.fromEntries(
      active.bundle.policies.filter((policy) => !removed.has(policy.id)).map((policy) => [policy.id, policy.text]),
    );
    change.add.forEach((source, index) => Object.assign(texts, policiesFromSource(source, `candidate.add[${index}]`)));
    let bundle;
    try {
      bundle = assembleBundle({
        version: active.bundle.version,
        constitutionHash: active.bundle.constitution_hash,
        policies: texts,
        createdAt: new Date(active.bundle.created_at),
      });
    } catch (error) {
      if (error instanceof BundleInvalidError) throw new CedarDiagnosticsError(error.problems);
      throw error;
    }
    // The candidate's own hash, so an answer never claims the bundle in force decided it.
    return new PolicyEngine(bundle, bundleHash(bundle), this.namespace);
  }
}
