import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import type { ConstitutionDocument, MetaRules, PrincipleContent } from './types.js';

// The package is CommonJS exporting the function itself; its typings describe an ES default export.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

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
export function constitutionDocument(principles: readonly PrincipleContent[], metaRules: MetaRules): ConstitutionDocument {
  const sorted = [...principles].map(contentOf).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { principles: sorted, meta_rules: metaRules };
}

/** SHA-256 (hex) of the RFC 8785 canonical JSON of the document: same content, same hash, on any backend. */
export function constitutionHash(document: ConstitutionDocument): string {
  const canonical = canonicalize(document);
  if (canonical === undefined) throw new Error('constitution document is not serialisable');
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
