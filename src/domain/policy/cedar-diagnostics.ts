import { AppError } from '../errors.js';
import type { PolicyProblem } from './cedar.js';

/**
 * 400 INVALID_CEDAR with Cedar's diagnostics as `policy:line:column: message; …`, the form clients (the console's
 * source view among them) read line and column back from.
 */
export class CedarDiagnosticsError extends AppError {
  constructor(diagnostics: readonly PolicyProblem[]) {
    super(
      'invalid',
      'INVALID_CEDAR',
      diagnostics
        .map((d) => `${d.policy_id ?? 'policy'}${d.line === null ? '' : `:${d.line}:${d.column}`}: ${d.message}`)
        .join('; '),
    );
  }
}
