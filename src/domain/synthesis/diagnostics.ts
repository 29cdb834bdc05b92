import type { EngineRequest } from '../enforcement/engine.js';

/**
 * Why a candidate was rejected, precise enough to repair it from: where the Cedar is wrong (`policy:line:column`), or
 * a request on which the candidate and the principle's constraints disagree.
 */
export type Diagnostic =
  | { kind: 'cedar'; policy: string; line: number | null; column: number | null; message: string }
  | {
      kind: 'meaning';
      effect: 'permit' | 'forbid';
      /** Whether the principle's constraints of this effect cover the request. */
      expected: 'applies' | 'does_not_apply';
      request: EngineRequest;
      message: string;
    }
  | { kind: 'check'; message: string };

/** One line per diagnostic, as a repair prompt and a stored run show it. */
export function diagnosticLine(diagnostic: Diagnostic): string {
  switch (diagnostic.kind) {
    case 'cedar':
      return `${diagnostic.policy}:${diagnostic.line ?? '?'}:${diagnostic.column ?? '?'}: ${diagnostic.message}`;
    case 'meaning': {
      const want = diagnostic.expected === 'applies' ? 'must apply' : 'must not apply';
      return `counterexample: a ${diagnostic.effect} ${want} to ${JSON.stringify(diagnostic.request)}; ${diagnostic.message}`;
    }
    case 'check':
      return diagnostic.message;
  }
}
