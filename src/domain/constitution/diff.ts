import { isDeepStrictEqual } from 'node:util';
import type { ConstitutionDocument, PrincipleContent } from './types.js';

export interface FieldChange {
  from: unknown;
  to: unknown;
}

export interface ConstitutionDiff {
  principles: {
    added: PrincipleContent[];
    removed: PrincipleContent[];
    modified: { key: string; changes: Record<string, FieldChange> }[];
  };
  meta_rules: Record<string, FieldChange>;
}

function fieldChanges(before: object, after: object): Record<string, FieldChange> {
  const changes: Record<string, FieldChange> = {};
  const left = before as Record<string, unknown>;
  const right = after as Record<string, unknown>;
  for (const field of new Set([...Object.keys(left), ...Object.keys(right)])) {
    if (!isDeepStrictEqual(left[field], right[field])) changes[field] = { from: left[field], to: right[field] };
  }
  return changes;
}

const flatMetaRules = (document: ConstitutionDocument) => ({
  conflict_resolution: document.meta_rules.conflict_resolution,
  ...document.meta_rules.amendments,
});

export function diffConstitutions(from: ConstitutionDocument, to: ConstitutionDocument): ConstitutionDiff {
  const before = new Map(from.principles.map((principle) => [principle.key, principle]));
  const after = new Map(to.principles.map((principle) => [principle.key, principle]));
  const modified: ConstitutionDiff['principles']['modified'] = [];
  for (const [key, principle] of after) {
    const previous = before.get(key);
    if (previous === undefined) continue;
    const changes = fieldChanges(previous, principle);
    if (Object.keys(changes).length > 0) modified.push({ key, changes });
  }
  return {
    principles: {
      added: [...after.values()].filter((principle) => !before.has(principle.key)),
      removed: [...before.values()].filter((principle) => !after.has(principle.key)),
      modified,
    },
    meta_rules: fieldChanges(flatMetaRules(from), flatMetaRules(to)),
  };
}
