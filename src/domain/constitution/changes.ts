import { metaRuleProblems } from './meta-rules.js';
import { principleProblems } from './principles.js';
import type { AmendmentChange, ConstitutionDocument, DocumentProblem, PrincipleContent } from './types.js';

/** Principle keys an amendment's changes touch; two open amendments may not share one. */
export function touchedKeys(changes: readonly AmendmentChange[]): string[] {
  return [
    ...new Set(
      changes.flatMap((change) =>
        change.op === 'add_principle' ? [change.principle.key] : change.op === 'change_meta_rules' ? [] : [change.key],
      ),
    ),
  ];
}

export function touchesMetaRules(changes: readonly AmendmentChange[]): boolean {
  return changes.some((change) => change.op === 'change_meta_rules');
}

/**
 * Checks changes against the constitution they would amend: keys must exist (or not, for additions), each key is
 * touched once, and every resulting principle and meta-rule set must be valid. Paths point into the request.
 */
export function changeProblems(
  changes: readonly AmendmentChange[],
  current: ConstitutionDocument,
  takenKeys: ReadonlySet<string>,
): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const activeKeys = new Set(current.principles.map((principle) => principle.key));
  const seen = new Set<string>();
  let metaRuleChanges = 0;
  changes.forEach((change, index) => {
    const path = `/changes/${index}`;
    if (change.op === 'change_meta_rules') {
      metaRuleChanges += 1;
      problems.push(...metaRuleProblems(change.meta_rules, `${path}/meta_rules`));
      return;
    }
    const key = change.op === 'add_principle' ? change.principle.key : change.key;
    if (seen.has(key)) problems.push({ path, message: `principle "${key}" is changed more than once` });
    seen.add(key);
    if (change.op === 'add_principle') {
      if (activeKeys.has(key) || takenKeys.has(key))
        problems.push({ path: `${path}/principle/key`, message: `principle "${key}" already exists` });
      problems.push(...principleProblems(change.principle, `${path}/principle`));
    } else if (!activeKeys.has(key)) {
      problems.push({ path: `${path}/key`, message: `no active principle "${key}"` });
    } else if (change.op === 'modify_principle') {
      if (Object.keys(change.changes).length === 0)
        problems.push({ path: `${path}/changes`, message: 'changes nothing' });
      const before = current.principles.find((principle) => principle.key === key)!;
      problems.push(...principleProblems({ ...before, ...change.changes }, `${path}/changes`));
    }
  });
  if (metaRuleChanges > 1) problems.push({ path: '/changes', message: 'meta-rules are changed more than once' });
  return problems;
}

/** The constitution that results from applying valid changes. */
export function applyChanges(current: ConstitutionDocument, changes: readonly AmendmentChange[]): ConstitutionDocument {
  let principles: PrincipleContent[] = [...current.principles];
  let metaRules = current.meta_rules;
  for (const change of changes) {
    if (change.op === 'add_principle') principles.push(change.principle);
    else if (change.op === 'repeal_principle')
      principles = principles.filter((principle) => principle.key !== change.key);
    else if (change.op === 'modify_principle')
      principles = principles.map((principle) =>
        principle.key === change.key ? { ...principle, ...change.changes } : principle,
      );
    else metaRules = change.meta_rules;
  }
  return { principles, meta_rules: metaRules };
}
