/** The hand-proved verification cases: the unit test checks their verdicts, the differential test their queries. */

const permitAll = { id: 'all', text: 'permit (principal, action, resource);' };

/** The bundle a case is asked of: its policies, beside a permit-all when its policies are forbids. */
export function casePolicies(texts: readonly string[]): { id: string; text: string }[] {
  const policies = texts.length === 0 ? [permitAll] : [permitAll, ...texts.map((text, i) => ({ id: `c${i}`, text }))];
  return texts[0]?.startsWith('permit') ? policies.slice(1) : policies;
}

/** [what, policies, property that must never be allowed, expected verdict] — each worked out by hand. */
export const CASES: [string, string[], string, 'holds' | 'violated'][] = [
  [
    'a forbid covers its own condition',
    ['forbid (principal, action, resource) when { context.secrets };'],
    'context.secrets',
    'holds',
  ],
  ['a permit alone allows it', [], 'context.secrets', 'violated'],
  [
    'unless exempts exactly what it names',
    ['forbid (principal, action, resource) when { context.risk >= 70 } unless { context.human_approved };'],
    'context.risk >= 70',
    'violated',
  ],
  [
    'an overflowing permit errors, and PGC denies on errors',
    ['permit (principal, action, resource) when { context.risk * 1000000000000 > 0 };'],
    'context.risk > 10000000',
    'holds',
  ],
  [
    'multiplication below the smallest Long errors (underflow)',
    ['permit (principal, action, resource) when { context.risk * 4000000000000 < 0 };'],
    'context.risk < -10000000',
    'holds',
  ],
  [
    'addition past the largest Long errors',
    ['permit (principal, action, resource) when { context.risk + context.risk != 7 };'],
    'context.risk > 1000000 * 1000000 * 5000000',
    'holds',
  ],
  [
    'subtraction below the smallest Long errors',
    ['permit (principal, action, resource) when { context.risk - context.injection_score != 7 };'],
    'context.risk < -(1000000 * 1000000 * 5000000) && context.injection_score > 1000000 * 1000000 * 5000000',
    'holds',
  ],
  [
    'negating the smallest Long errors, every other negation does not',
    ['permit (principal, action, resource) when { -context.risk != 0 };'],
    'context.risk < 0',
    'violated',
  ],
  [
    'reading an absent attribute errors: the permit never allows a principal without trust',
    ['permit (principal, action, resource) when { principal.trust > 5 };'],
    '!(principal has trust)',
    'holds',
  ],
  [
    '`has` guards the read, so || does not error on the left',
    ['permit (principal, action, resource) when { !(principal has trust) || principal.trust > 5 };'],
    '!(principal has trust)',
    'violated',
  ],
  [
    '&& short-circuits: an error on its right is never reached',
    ['permit (principal, action, resource) when { principal is User && principal.owner == "x" };'],
    'principal is User',
    'holds',
  ],
  [
    'an entity is only `in` itself without a hierarchy',
    ['permit (principal, action, resource in Tool::"t1");'],
    'resource == Tool::"t2"',
    'holds',
  ],
  [
    'containsAll of two needs both',
    ['forbid (principal, action, resource) when { context.pii.containsAll(["ssn", "email"]) };'],
    'context.pii.contains("ssn")',
    'violated',
  ],
  [
    'isEmpty excludes fresh strings too',
    ['forbid (principal, action, resource) unless { context.pii.isEmpty() };'],
    '!context.pii.contains("ssn") && !context.pii.isEmpty()',
    'holds',
  ],
  [
    'two strings no policy names can differ',
    ['forbid (principal, action, resource) when { context.tool == context.data_classification };'],
    'context.tool != "a" && context.data_classification != "a"',
    'violated',
  ],
  [
    'if-then-else picks its branch',
    ['permit (principal, action, resource) when { if context.secrets then false else true };'],
    'context.secrets',
    'holds',
  ],
];
