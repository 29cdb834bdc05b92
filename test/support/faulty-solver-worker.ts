// A solver worker that fails on purpose, for the pool's recovery tests: the real task table, except that a property
// condition naming a fault (`context.tool == "<fault>[:<marker file>]"`) makes neverDecidesEach fail that way.
import { existsSync, writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { EncodingMismatch } from '../../src/domain/verify/questions.js';
import { serveSolverTasks } from '../../src/platform/solver/serve.js';
import { SOLVER_TASKS, type SolverTasks } from '../../src/platform/solver/tasks.js';

const neverDecidesEach: SolverTasks['neverDecidesEach'] = async (schema, policies, questions, options) => {
  const fault = /context\.tool == "([^"]+)"/.exec(questions[0]?.condition ?? '')?.[1] ?? '';
  const [kind, marker] = fault.split(':');
  if (kind === 'crash-once' && marker !== undefined && !existsSync(marker)) {
    writeFileSync(marker, '');
    process.exit(70);
  }
  if (kind === 'crash') process.exit(71);
  if (kind === 'throw-uncaught')
    setImmediate(() => {
      throw new Error('an uncaught error in the solver thread');
    });
  if (kind === 'exhaust-memory') {
    const hoard: number[][] = [];
    for (;;) hoard.push(Array.from({ length: 1_000_000 }, (_, i) => i));
  }
  if (kind === 'hang') for (;;);
  if (kind === 'mismatch')
    throw new EncodingMismatch(
      'a planted claim',
      { principal: { type: 'User', id: 'u' }, action: 'query', resource: { type: 'Tool', id: 't' }, context: {} },
      { decision: 'deny', determining: [], errors: [] },
    );
  // The uncaught error above ends the thread before this task would answer.
  if (kind === 'throw-uncaught') await new Promise(() => {});
  return SOLVER_TASKS.neverDecidesEach(schema, policies, questions, options);
};

await serveSolverTasks(parentPort!, { ...SOLVER_TASKS, neverDecidesEach });
