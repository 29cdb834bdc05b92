import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import type * as CedarWasm from '@cedar-policy/cedar-wasm/nodejs';
import { AppError } from '../errors.js';

// Node 20's V8 aborts the process ("unreachable code" in the deoptimiser) when cedar-wasm's memory grows under JS
// code that TurboFan compiled with the JS→Wasm call inlined — reproduced here by loading a 1,000-policy bundle after
// smaller ones (bench/enforcement.ts). Turning that one inlining off before any such code is optimised avoids it.
setFlagsFromString('--no-turbo-inline-js-wasm-calls');

export type Cedar = typeof CedarWasm;

// The Node typings declare WebAssembly's types but not its runtime values.
const { RuntimeError } = (globalThis as unknown as { WebAssembly: { RuntimeError: new () => Error } }).WebAssembly;

const require = createRequire(import.meta.url);
const MODULE = require.resolve('@cedar-policy/cedar-wasm/nodejs');

/**
 * A new cedar-wasm instance with memory of its own. The Node build is CommonJS that instantiates its WebAssembly when
 * the module is evaluated (synchronously, which keeps every call synchronous): evaluating it again gives a fresh one.
 */
function freshInstance(): Cedar {
  Reflect.deleteProperty(require.cache, MODULE);
  return require(MODULE) as Cedar;
}

/** What a runtime tells its owner when an instance faulted and was replaced. */
export type CedarFaultListener = (runtime: string, detail: string) => void;

/**
 * One cedar-wasm instance and its recovery. A WebAssembly trap, or a JS stack overflow that unwound the WebAssembly
 * mid-call (which leaves its own stack pointer where the overflow left it), can corrupt the instance's memory for
 * every later call; the instance is then discarded and a fresh one takes its place, and `generation` moves on so
 * whoever pre-parsed sets into the old one parses them again. The call that faulted fails: never with a guess.
 */
export class CedarRuntime {
  // Made on first use: a process that never enforces (the verifier, a CLI command) never holds enforcement's.
  private instance: Cedar | null = null;
  /** Bumped each time the instance is replaced: pre-parsed schemas and sets live in one instance only. */
  generation = 0;
  faults = 0;
  lastFault: string | null = null;
  private readonly listeners: CedarFaultListener[] = [];

  /** Every cedar-wasm function, each call guarded as `call` guards it. */
  readonly api: Cedar;

  constructor(readonly name: string) {
    this.api = new Proxy({} as Cedar, {
      get: (_target, property) => {
        if (typeof property !== 'string') return undefined;
        return (...args: unknown[]) =>
          this.call((cedar) => (cedar[property as keyof Cedar] as (...given: unknown[]) => unknown)(...args));
      },
    });
  }

  /** Calls `listener` on each fault from now on; returns what stops that. */
  onFault(listener: CedarFaultListener): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener) >>> 0, 1);
  }

  call<T>(work: (cedar: Cedar) => T): T {
    const generation = this.generation;
    this.instance ??= freshInstance();
    try {
      return work(this.instance);
    } catch (error) {
      const trapped = error instanceof RuntimeError;
      if (!trapped && !(error instanceof RangeError)) throw error;
      const detail = `${(error as Error).name}: ${(error as Error).message}`;
      // Two calls that faulted on one instance replace it once.
      if (generation === this.generation) this.replace(detail);
      throw new AppError(
        trapped ? 'unavailable' : 'invalid',
        trapped ? 'POLICY_ENGINE_FAULT' : 'POLICY_TOO_COMPLEX',
        trapped
          ? `The Cedar engine faulted (${detail}); its instance was replaced, retry`
          : `Cedar ran out of stack on this input (${detail}); simplify the policy or request`,
        trapped ? 1 : null,
      );
    }
  }

  private replace(detail: string): void {
    this.instance = freshInstance();
    this.generation += 1;
    this.faults += 1;
    this.lastFault = detail;
    for (const listener of this.listeners) listener(this.name, detail);
  }
}

/**
 * Cedar for everything but enforcement: parsing, validating and evaluating text from outside (drafts, verification,
 * dry runs, synthesis), which may be hostile. Enforcement decides in an instance of its own (enforcementCedar), so
 * nothing a caller submits is ever parsed where the bundle in force is evaluated.
 */
export const toolsCedar = new CedarRuntime('tools');

/** The instance the bundle in force is pre-parsed into and decided with; it only ever sees signed bundles. */
export const enforcementCedar = new CedarRuntime('enforcement');
