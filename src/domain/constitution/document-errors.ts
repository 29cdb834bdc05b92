import { ValidationError, type ErrorCode } from '../errors.js';
import type { DocumentProblem } from './types.js';

/** Raises one 400 naming every problem with its path, e.g. "/constraints/0/when/1/value: …". */
export function rejectProblems(problems: DocumentProblem[], errorCode: ErrorCode = 'INVALID_DOCUMENT'): void {
  if (problems.length === 0) return;
  throw new ValidationError(
    problems.map((problem) => `${problem.path || '/'}: ${problem.message}`).join('; '),
    errorCode,
  );
}
