import z3 from 'z3-solver';
import type { Bool, CheckSatResult, Context, Solver } from 'z3-solver';

export type Z3 = Context<'verify'>;

/**
 * Z3 objects the garbage collector has reclaimed, whose references are not yet given back to Z3. The JS API gives
 * them back from a FinalizationRegistry callback, which V8 may run while a check is in progress on Z3's own thread;
 * a Z3 context is not thread-safe, and a reference count changed from both sides corrupts the solver (seen as an
 * unsat answer to a satisfiable question, and as a model breaking its own assertions). So the callbacks wait here
 * and run only when no check is running.
 */
const reclaimed: (() => void)[] = [];
let checking = 0;

class DeferredFinalizationRegistry<T> extends FinalizationRegistry<T> {
  constructor(cleanup: (held: T) => void) {
    super((held) => {
      reclaimed.push(() => cleanup(held));
      if (checking === 0) giveBack();
    });
  }
}

function giveBack(): void {
  for (const release of reclaimed.splice(0)) release();
}

/** How many reclaimed Z3 objects wait for the running check to end (none when no check runs). */
export const reclaimedAwaitingRelease = (): number => reclaimed.length;

let loading: Promise<{ context: Z3; em: unknown }> | null = null;

/** The process's one Z3 context: loading the WASM module costs hundreds of milliseconds, so it is done once. */
export async function z3Context(): Promise<Z3> {
  loading ??= load();
  return (await loading).context;
}

async function load(): Promise<{ context: Z3; em: unknown }> {
  // The JS API makes its registry while `init` runs; it gets the deferring one, nothing else made meanwhile does.
  const original = globalThis.FinalizationRegistry;
  globalThis.FinalizationRegistry = DeferredFinalizationRegistry;
  try {
    const api = await z3.init();
    return { context: api.Context('verify'), em: api.em };
  } finally {
    globalThis.FinalizationRegistry = original;
  }
}

/**
 * `solver.check(...assumptions)`, with no reclaimed object given back to Z3 while it runs. Every check goes through
 * here (a test fails if one does not); the caller asks one question at a time per thread (the solver pool gives a
 * worker one task at a time).
 */
export async function check(solver: Solver<'verify'>, ...assumptions: Bool<'verify'>[]): Promise<CheckSatResult> {
  checking += 1;
  try {
    return await solver.check(...assumptions);
  } finally {
    checking -= 1;
    if (checking === 0) giveBack();
  }
}

/**
 * Ends Z3's own threads, which otherwise keep a Node process alive after its last query (tests and benchmarks that
 * ask in process; services ask through the solver pool, whose workers end with their threads).
 */
export async function stopZ3(): Promise<void> {
  if (loading === null) return;
  const { em } = await loading;
  loading = null;
  await z3.killThreads(em);
}
