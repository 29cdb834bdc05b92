import type { Config } from '../config.js';
import { SolverPool } from './pool.js';

let shared: { pool: SolverPool; started: Promise<void>; holders: number } | null = null;
/** Whether the pool outlives its last holder (`keepSolverPoolWarm`). */
let keepWarm = false;

/**
 * Keeps the shared pool, once started, after its last holder lets go, until the returned function closes it. A
 * service process needs none of this (its services let go only when it stops); a process that starts and stops one
 * stack after another — a test file — would otherwise start the Z3 of every worker again for each stack.
 */
export function keepSolverPoolWarm(): () => Promise<void> {
  keepWarm = true;
  return async () => {
    keepWarm = false;
    const idle = shared;
    if (idle === null || idle.holders > 0) return;
    shared = null;
    await idle.pool.close();
  };
}

/**
 * The process's one solver pool, shared by the services running in it (fv's jobs and integrity's gate): each worker
 * holds its own Z3 of ~300 MB, so two services do not get two pools. The first holder's settings make it; the last
 * release closes it.
 */
export async function holdSolverPool(
  settings: Config['verification'],
): Promise<{ pool: SolverPool; release: () => Promise<void> }> {
  if (shared === null) {
    const pool = new SolverPool({
      workers: settings.workers,
      rlimit: settings.rlimit,
      taskTimeoutMs: settings.taskTimeoutMs,
      silenceMs: settings.queryTimeoutMs,
    });
    shared = { pool, started: pool.start(), holders: 0 };
  }
  const held = shared;
  held.holders += 1;
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    held.holders -= 1;
    if (held.holders === 0 && !keepWarm) {
      if (shared === held) shared = null;
      await held.pool.close();
    }
  };
  try {
    await held.started;
  } catch (error) {
    await release();
    throw error;
  }
  return { pool: held.pool, release };
}

/**
 * The shared pool as a service holds it: joined on the first question the service asks (so a service that never
 * verifies never starts Z3) and released when the service closes.
 */
export class LazySolverPool {
  private held: Promise<{ pool: SolverPool; release: () => Promise<void> }> | null = null;

  constructor(private readonly settings: Config['verification']) {}

  async use<T>(question: (pool: SolverPool) => Promise<T>): Promise<T> {
    const { pool } = await (this.held ??= holdSolverPool(this.settings).catch((error: unknown) => {
      this.held = null;
      throw error;
    }));
    return question(pool);
  }

  async close(): Promise<void> {
    const held = this.held;
    this.held = null;
    if (held !== null) await (await held.catch(() => null))?.release();
  }
}
