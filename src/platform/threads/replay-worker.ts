// A Cedar replay thread: decides one slice of many recorded requests against one policy set, off the service's
// event loop, and ends.
import { parentPort } from 'node:worker_threads';
import { PreparsedPolicies } from '../../domain/verify/replay.js';
import type { ReplaySlice, ReplayAnswer } from './parallel-replay.js';

if (parentPort === null) throw new Error('the replay worker runs as a worker thread');
const port = parentPort;
port.once('message', (slice: ReplaySlice) => {
  let answer: ReplayAnswer;
  try {
    const bundle = new PreparsedPolicies(slice.schema, slice.policies, 'replay-thread');
    answer = { ok: true, replayed: slice.requests.map((request) => bundle.decide(request)) };
  } catch (error) {
    answer = { ok: false, message: (error as Error).message };
  }
  port.postMessage(answer);
});
