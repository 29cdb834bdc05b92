import { canonicalSha256 } from '../canonical-json.js';
import type { ConstitutionDocument, MetaRules, PrincipleContent } from './types.js';

/** The principle fields that are content, in a fixed shape, so storage details never reach the hash. */
function contentOf(principle: PrincipleContent): PrincipleContent {
  return {
    key: principle.key,
    title: principle.title,
    description: principle.description,
    category: principle.category,
    priority: principle.priority,
    scope: { actions: principle.scope.actions, resource_types: principle.scope.resource_types },
    normative_statement: principle.normative_statement,
    rationale: principle.rationale,
    constraints: principle.constraints,
  };
}

/** Builds the document a version hashes: principles sorted by key, meta-rules as they are. */
export function constitutionDocument(
  principles: readonly PrincipleContent[],
  metaRules: MetaRules,
): ConstitutionDocument {
  const sorted = [...principles].map(contentOf).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { principles: sorted, meta_rules: metaRules };
}

/** SHA-256 (hex) of the RFC 8785 canonical JSON of the document: same content, same hash, on any backend. */
export function constitutionHash(document: ConstitutionDocument): string {
  return canonicalSha256(document);
}
