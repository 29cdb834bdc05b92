import { availableParallelism } from 'node:os';
import type { EngineRequest } from '../../domain/enforcement/engine.js';
import type { PolicyText } from '../../domain/verify/questions.js';
import { PreparsedPolicies, type Replayed } from '../../domain/verify/replay.js';
import { siblingModule, startWorker } from './start-worker.js';

export interface ReplaySlice {
  schema: string;
  policies: PolicyText[];
  requests: EngineRequest[];
}

export type ReplayAnswer = { ok: true; replayed: Replayed[] } | { ok: false; message: string };

const REPLAY_WORKER = siblingModule(import.meta.url, 'replay-worker');

/** Below this many requests a thread's start-up (~100 ms: a Cedar WASM instance) costs more than it saves. */
const PARALLEL_FROM = 5000;

/**
 * Cedar's decisions (with PGC's rule on errors) on many requests, in order: in slices on one thread per core, so a
 * replay of a large decision log takes a fraction of the time and never blocks the service's event loop for it.
 */
export async function replayAll(
  schema: string,
  policies: readonly PolicyText[],
  requests: readonly EngineRequest[],
  threads = Math.min(availableParallelism(), 4),
): Promise<Replayed[]> {
  if (requests.length < PARALLEL_FROM) {
    const bundle = new PreparsedPolicies(schema, policies, 'replay-inline');
    return requests.map((request) => bundle.decide(request));
  }
  const size = Math.ceil(requests.length / threads);
  const slices = Array.from({ length: threads }, (_, i) => requests.slice(i * size, (i + 1) * size));
  const answers = await Promise.all(
    slices.map(
      (slice) =>
        new Promise<Replayed[]>((resolve, reject) => {
          const worker = startWorker(REPLAY_WORKER);
          worker.once('message', (answer: ReplayAnswer) => {
            void worker.terminate();
            if (answer.ok) resolve(answer.replayed);
            else reject(new Error(answer.message));
          });
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`a replay thread exited with code ${code}`)));
          worker.postMessage({ schema, policies: [...policies], requests: slice } satisfies ReplaySlice);
        }),
    ),
  );
  return answers.flat();
}
