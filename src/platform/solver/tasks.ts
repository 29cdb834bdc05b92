import { checkConformance } from '../../domain/verify/conformance.js';
import { checkAddedPolicy, checkPolicies } from '../../domain/verify/policy-checks.js';
import { relatePolicies } from '../../domain/verify/relations.js';
import {
  compareBundles,
  EncodingMismatch,
  neverDecidesEach,
  type QuestionOptions,
} from '../../domain/verify/questions.js';
import type { ExportedQuery } from '../../domain/verify/smtlib.js';

/**
 * The questions a solver worker answers: the domain's own functions, called with the same arguments on the other
 * side of a thread boundary. Each takes its options last.
 */
export const SOLVER_TASKS = {
  checkAddedPolicy,
  checkConformance,
  checkPolicies,
  compareBundles,
  neverDecidesEach,
  relatePolicies,
} as const;

export type SolverTasks = typeof SOLVER_TASKS;
export type SolverTaskName = keyof SolverTasks;

/** Options as they cross to a worker: callbacks cannot, so the worker sends checks as they happen and queries at the end. */
export type WireOptions = Omit<QuestionOptions, 'onQuery' | 'onCheck'> & { exportQueries: boolean };

export interface TaskRequest {
  id: number;
  task: SolverTaskName;
  args: unknown[];
}

export type SerialisedError =
  | { kind: 'mismatch'; claim: string; request: EncodingMismatch['request']; replayed: EncodingMismatch['replayed'] }
  | { kind: 'error'; name: string; message: string };

export type TaskReply =
  | { id: number; ok: true; value: unknown; queries: ExportedQuery[] }
  | { id: number; ok: false; error: SerialisedError };

/** One solver call of a task finished, with this result (sent while the task runs). */
export interface CheckNotice {
  id: number;
  check: ExportedQuery['result'];
}

export type WorkerMessage = { ready: true } | CheckNotice | TaskReply;

export function serialiseError(error: unknown): SerialisedError {
  if (error instanceof EncodingMismatch)
    return { kind: 'mismatch', claim: error.claim, request: error.request, replayed: error.replayed };
  const { name, message } = error instanceof Error ? error : new Error(String(error));
  return { kind: 'error', name, message };
}

/** The error a task threw, rebuilt on the caller's side: an encoding mismatch stays one, with its request. */
export function deserialiseError(error: SerialisedError): Error {
  if (error.kind === 'mismatch') return new EncodingMismatch(error.claim, error.request, error.replayed);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  return rebuilt;
}
