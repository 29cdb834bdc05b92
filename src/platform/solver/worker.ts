// A solver worker thread: Z3 serialises every check in a JS realm and aborts the realm when its WASM heap runs out,
// so questions run here, where a crash costs one thread and the pool replaces it.
import { parentPort } from 'node:worker_threads';
import { serveSolverTasks } from './serve.js';
import { SOLVER_TASKS } from './tasks.js';

if (parentPort === null) throw new Error('the solver worker runs as a worker thread');
await serveSolverTasks(parentPort, SOLVER_TASKS);
