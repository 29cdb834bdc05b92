/** One solver call of a question, as an SMT-LIB2 script any solver can run, with the answer our solver gave. */
export interface ExportedQuery {
  /** What the call asks, e.g. `property: never allow` or `impact: newly allowed (Longs within ±1000000)`. */
  label: string;
  /** The script: logic, declarations, assertions, `(check-sat)`. */
  smtlib: string;
  result: 'sat' | 'unsat' | 'unknown';
}

/**
 * A script from the solver's own printing of its declarations and assertions. `ALL` because the queries mix
 * bit-vectors, integers and Booleans without quantifiers, a combination no narrower standard logic names, and cvc5
 * refuses a script that sets none.
 */
export const smtlibScript = (assertions: string): string => `(set-logic ALL)\n${assertions}(check-sat)\n`;

/** A file name for a query that sorts in the order the queries ran and says what each asked. */
export function queryFileName(index: number, query: ExportedQuery): string {
  const slug = query.label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);
  return `${String(index + 1).padStart(4, '0')}-${slug}.smt2`;
}
