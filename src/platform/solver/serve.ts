import type { MessagePort } from 'node:worker_threads';
import { check, z3Context } from '../../domain/verify/z3.js';
import type { ExportedQuery } from '../../domain/verify/smtlib.js';
import { serialiseError, type SolverTasks, type TaskRequest, type TaskReply, type WireOptions } from './tasks.js';

/**
 * Answers task requests on `port` with `tasks`, one at a time, after warming Z3 (its first check in a thread costs
 * hundreds of milliseconds, which belongs at start, not in the first user's question).
 */
export async function serveSolverTasks(port: MessagePort, tasks: SolverTasks): Promise<void> {
  const z = await z3Context();
  const warm = new z.Solver();
  warm.add(z.Bool.const('warm'));
  await check(warm);
  port.on('message', (request: TaskRequest) => {
    void answer(tasks, request, port).then((reply) => port.postMessage(reply));
  });
  port.postMessage({ ready: true });
}

async function answer(tasks: SolverTasks, request: TaskRequest, port: MessagePort): Promise<TaskReply> {
  const queries: ExportedQuery[] = [];
  const args = [...request.args];
  const { exportQueries, ...options } = args.pop() as WireOptions;
  args.push({
    ...options,
    // Each check is told as it happens: the caller shows progress and the pool counts checks by result.
    onCheck: (result: ExportedQuery['result']) => port.postMessage({ id: request.id, check: result }),
    onQuery: exportQueries ? (query: ExportedQuery) => queries.push(query) : undefined,
  });
  try {
    const task = tasks[request.task] as (...taskArgs: unknown[]) => Promise<unknown>;
    return { id: request.id, ok: true, value: await task(...args), queries };
  } catch (error) {
    return { id: request.id, ok: false, error: serialiseError(error) };
  }
}
