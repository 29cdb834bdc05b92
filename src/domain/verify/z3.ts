import z3 from 'z3-solver';
import type { Context } from 'z3-solver';

export type Z3 = Context<'verify'>;

let loading: Promise<{ context: Z3; em: unknown }> | null = null;

/** The process's one Z3 context: loading the WASM module costs hundreds of milliseconds, so it is done once. */
export async function z3Context(): Promise<Z3> {
  loading ??= z3.init().then((api) => ({ context: api.Context('verify'), em: api.em }));
  return (await loading).context;
}

let holders = 0;

/** Keeps Z3 loaded until every holder has released it (services in one process share the one context). */
export async function holdZ3(): Promise<() => Promise<void>> {
  holders += 1;
  await z3Context();
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    holders -= 1;
    if (holders === 0) await stopZ3();
  };
}

/** Ends Z3's worker threads, which otherwise keep a Node process alive after its last query; not while held. */
export async function stopZ3(): Promise<void> {
  if (loading === null || holders > 0) return;
  const { em } = await loading;
  loading = null;
  await z3.killThreads(em);
}
