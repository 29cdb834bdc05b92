import z3 from 'z3-solver';
import type { Context } from 'z3-solver';

export type Z3 = Context<'verify'>;

let loading: Promise<{ context: Z3; em: unknown }> | null = null;

/** The process's one Z3 context: loading the WASM module costs hundreds of milliseconds, so it is done once. */
export async function z3Context(): Promise<Z3> {
  loading ??= z3.init().then((api) => ({ context: api.Context('verify'), em: api.em }));
  return (await loading).context;
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
