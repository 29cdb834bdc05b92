import { PolicyEngine } from '../../domain/enforcement/engine.js';
import { verifySignedBundle, type Verifier } from '../../domain/policy/bundle.js';
import type { HealthContributor } from '../../platform/http/health.js';
import type { BundleStore } from './bundle-store.js';

/**
 * The engine PGC enforces with. A bundle is used only after its signature verifies with a platform key; a bad
 * new bundle leaves the last good engine in force. Swapping the engine is one assignment, so requests in flight
 * finish on the engine they started with and none is dropped.
 */
export class ActiveBundle {
  engine: PolicyEngine | null = null;
  lastError: string | null = null;
  private generation = 0;
  private readonly namespace = `pgc${Math.random().toString(36).slice(2, 10)}`;

  constructor(
    private readonly store: BundleStore,
    private readonly verify: Verifier,
    private readonly onLoadFailure: (reason: string) => void,
  ) {}

  async reload(): Promise<void> {
    const signed = await this.store.active();
    if (signed === null) {
      this.lastError = 'no bundle has been activated';
      return;
    }
    if (this.engine?.bundleHash === signed.hash) return;
    if (!(await verifySignedBundle(signed, this.verify))) return this.fail(`bundle v${signed.bundle.version} signature does not verify`);
    try {
      // Two alternating namespaces: the new engine never overwrites the sets of the one still answering requests.
      this.generation += 1;
      this.engine = new PolicyEngine(signed.bundle, signed.hash, `${this.namespace}:${this.generation % 2}`);
      this.lastError = null;
    } catch (error) {
      this.fail(`bundle v${signed.bundle.version} does not load: ${(error as Error).message}`);
    }
  }

  private fail(reason: string): void {
    this.lastError = reason;
    this.onLoadFailure(reason);
  }

  readonly health: HealthContributor = () => {
    if (this.engine === null) return { name: 'policy_bundle', backend: 'none', status: 'down', error: this.lastError ?? 'no verified bundle loaded' };
    const backend = `v${this.engine.bundle.version} ${this.engine.bundleHash.slice(0, 12)}`;
    return this.lastError === null ? { name: 'policy_bundle', backend, status: 'up' } : { name: 'policy_bundle', backend, status: 'down', error: this.lastError };
  };
}
