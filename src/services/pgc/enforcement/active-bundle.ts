import type { SignedTreeHead } from '../../../domain/audit/tree-head.js';
import {
  PolicyEngine,
  type EngineOptions,
  type EngineRequest,
  type EngineResult,
} from '../../../domain/enforcement/engine.js';
import { enforcementCedar } from '../../../domain/policy/cedar-runtime.js';
import { verifySignedBundle, type SignedBundle, type Verifier } from '../../../domain/policy/bundle.js';
import {
  checkBundleLogged,
  type BundleLogProof,
  type TransparencyFailure,
} from '../../../domain/policy/transparency.js';
import type { HealthContributor } from '../../../platform/http/health.js';
import type { BundleStore } from '../../integrity/bundle-store.js';

export type BundleLoadFailure = 'signature' | TransparencyFailure | 'invalid_policies';
/** How this instance decides: compiled policies (checked against cedar-wasm on a sample) or cedar-wasm alone. */
export interface EvaluatorSettings {
  compiled: boolean;
  /** Share of compiled decisions decided again by cedar-wasm off the request's path (ACGS_EVALUATOR_CHECK_PERCENT). */
  checkRate: number;
  onEvaluated?: (compiled: boolean) => void;
  onMismatch?: (request: EngineRequest, compiled: EngineResult, cedar: EngineResult) => void;
}

export const BUNDLE_LOAD_FAILURES: readonly BundleLoadFailure[] = [
  'signature',
  'not_in_log',
  'inclusion_proof',
  'tree_head_signature',
  'tree_head_inconsistent',
  'invalid_policies',
];

/** Where PGC gets the log's evidence for a bundle; `sinceTreeSize` asks for consistency with the head it saw last. */
export type BundleLogProofSource = (
  signed: SignedBundle,
  sinceTreeSize: number | null,
) => Promise<BundleLogProof | null>;

/**
 * The engine PGC enforces with. A bundle is used only after its signature verifies with a platform key and the
 * audit log proves it was activated (inclusion in a signed head that extends the last head seen); a bundle failing
 * either leaves the last good engine in force. Swapping the engine is one assignment, so requests in flight finish
 * on the engine they started with and none is dropped.
 */
export class ActiveBundle {
  engine: PolicyEngine | null = null;
  lastError: string | null = null;
  /** The last signed tree head accepted: a later one must be consistent with it, so the log cannot be forked. */
  lastTreeHead: SignedTreeHead | null = null;
  /** The active version the database reported at the last check, when it is not the one in force here. */
  private behindVersion: number | null = null;
  private refusedHash: string | null = null;
  private generation = 0;
  private reloading: Promise<void> = Promise.resolve();
  private readonly namespace = `pgc${Math.random().toString(36).slice(2, 10)}`;

  constructor(
    private readonly store: BundleStore,
    private readonly verify: Verifier,
    private readonly logProof: BundleLogProofSource,
    private readonly onLoadFailure: (reason: BundleLoadFailure, detail: string) => void,
    /** Hears the moment each bundle began deciding here: no decision stamped after it uses an older one. */
    private readonly onEnforcing: (version: number, since: Date) => void = () => {},
    private readonly evaluator: EvaluatorSettings = { compiled: true, checkRate: 0 },
  ) {}

  /** Once the compiled evaluator disagreed with cedar-wasm, every engine of this process decides with cedar-wasm. */
  private cedarOnly = false;

  /** Whether decisions are made by compiled policies (else by cedar-wasm: configured so, or after a disagreement). */
  get compiledInUse(): boolean {
    return this.evaluator.compiled && !this.cedarOnly;
  }

  private engineOptions(): EngineOptions {
    const { checkRate, onEvaluated, onMismatch } = this.evaluator;
    return {
      compiled: this.compiledInUse,
      ...(onEvaluated === undefined ? {} : { onEvaluated }),
      check: {
        rate: checkRate,
        later: (work) => void setImmediate(work),
        onMismatch: (request, ours, cedar) => {
          this.cedarOnly = true;
          onMismatch?.(request, ours, cedar);
        },
      },
    };
  }

  /**
   * Loads the active bundle if it is new. Reloads run one after another: two overlapping ones would each check the
   * log against the head seen before either, and the second would then look inconsistent with the first's.
   */
  reload(): Promise<void> {
    const next = this.reloading.then(() => this.reloadOnce());
    this.reloading = next.catch(() => undefined);
    return next;
  }

  private async reloadOnce(): Promise<void> {
    const signed = await this.store.active();
    if (signed === null) {
      this.lastError = 'no bundle has been activated';
      return;
    }
    if (this.engine?.bundleHash === signed.hash) return;
    // Refused once is refused for good: the periodic check must not re-verify (and re-count) the same bundle.
    if (this.refusedHash === signed.hash) return;
    const refuse = (reason: BundleLoadFailure, detail: string) => {
      this.refusedHash = signed.hash;
      this.fail(reason, detail);
    };
    if (!(await verifySignedBundle(signed, this.verify)))
      return refuse('signature', `bundle v${signed.bundle.version} is not signed by a trusted platform key`);
    const logged = await checkBundleLogged(
      signed,
      await this.logProof(signed, this.lastTreeHead?.tree_size ?? null),
      this.lastTreeHead,
      this.verify,
    );
    if (!logged.ok) return refuse(logged.reason, logged.detail);
    this.lastTreeHead = logged.head;
    try {
      // Two alternating namespaces: the new engine never overwrites the sets of the one still answering requests.
      this.generation += 1;
      this.engine = new PolicyEngine(
        signed.bundle,
        signed.hash,
        `${this.namespace}:${this.generation % 2}`,
        enforcementCedar,
        this.engineOptions(),
      );
      this.lastError = null;
      this.refusedHash = null;
      this.behindVersion = null;
      this.onEnforcing(signed.bundle.version, new Date());
    } catch (error) {
      refuse('invalid_policies', `bundle v${signed.bundle.version} does not load: ${(error as Error).message}`);
    }
  }

  /**
   * The backstop for a lost notification: compares the version active in the database with the one in force and
   * reloads when they differ. Until they agree, health says this instance is behind.
   */
  async checkForNewer(): Promise<void> {
    const version = await this.store.activeVersion();
    if (version === 0 || version === this.engine?.bundle.version) {
      this.behindVersion = null;
      return;
    }
    this.behindVersion = version;
    await this.reload();
    // Caught up, or refused that bundle (which health reports as the refusal, not as lag).
    if (this.engine?.bundle.version === version || this.lastError !== null) this.behindVersion = null;
  }

  private fail(reason: BundleLoadFailure, detail: string): void {
    this.lastError = detail;
    this.onLoadFailure(reason, detail);
  }

  readonly health: HealthContributor = () => {
    if (this.engine === null)
      return {
        name: 'policy_bundle',
        backend: 'none',
        status: 'down',
        error: this.lastError ?? 'no verified bundle loaded',
      };
    const backend = `v${this.engine.bundle.version} ${this.engine.bundleHash.slice(0, 12)}`;
    if (this.lastError !== null) return { name: 'policy_bundle', backend, status: 'down', error: this.lastError };
    const unready = this.engine.readiness();
    if (unready !== null)
      return { name: 'policy_bundle', backend, status: 'down', error: `the Cedar engine cannot decide: ${unready}` };
    if (this.behindVersion !== null)
      return {
        name: 'policy_bundle',
        backend,
        status: 'down',
        error: `enforcing v${this.engine.bundle.version} while v${this.behindVersion} is active`,
      };
    return { name: 'policy_bundle', backend, status: 'up' };
  };
}
