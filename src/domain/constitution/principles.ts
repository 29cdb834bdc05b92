import { GOVERNANCE_SCHEMA } from '../policy/governance-schema.js';
import { schemaShape } from '../policy/schema-shape.js';
import { constraintDomainProblems, constraintTypeProblems } from './constraint-types.js';
import { constraintProblems, structurallyConflict } from './constraints.js';
import type { DocumentProblem, PrincipleContent } from './types.js';

export const PRINCIPLE_KEY = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * Checks what JSON Schema cannot express well (the route schema has already checked types and lengths), then that
 * the constraints type-check against the governance schema policies are enforced under.
 */
export function principleProblems(principle: PrincipleContent, base = ''): DocumentProblem[] {
  const problems = constraintProblems(principle.constraints, `${base}/constraints`);
  principle.constraints.forEach((constraint, index) => {
    if (!Array.isArray(constraint?.actions)) return;
    for (const action of constraint.actions) {
      if (!principle.scope.actions.includes(action)) {
        problems.push({
          path: `${base}/constraints/${index}/actions`,
          message: `"${action}" is outside the principle's scope.actions`,
        });
      }
    }
  });
  // Types are checked once the shape is right: a malformed condition has no type to check.
  if (problems.length > 0) return problems;
  const typed = constraintTypeProblems(principle, schemaShape(GOVERNANCE_SCHEMA), base);
  return typed.length > 0 ? typed : constraintDomainProblems(principle, base);
}

export interface ConflictWarning {
  principle_key: string;
  constraint_index: number;
  conflicts_with: string;
  other_constraint_index: number;
  reason: string;
}

/** Structural conflicts of one principle's constraints against a set of active principles (itself excluded). */
export function conflictWarnings(candidate: PrincipleContent, active: readonly PrincipleContent[]): ConflictWarning[] {
  const warnings: ConflictWarning[] = [];
  for (const other of active) {
    if (other.key === candidate.key) continue;
    candidate.constraints.forEach((mine, index) => {
      other.constraints.forEach((theirs, otherIndex) => {
        if (structurallyConflict(mine, theirs)) {
          warnings.push({
            principle_key: candidate.key,
            constraint_index: index,
            conflicts_with: other.key,
            other_constraint_index: otherIndex,
            reason: `${mine.effect} vs ${theirs.effect} on ${mine.actions.filter((action) => theirs.actions.includes(action)).join(', ')} with overlapping conditions`,
          });
        }
      });
    });
  }
  return warnings;
}
