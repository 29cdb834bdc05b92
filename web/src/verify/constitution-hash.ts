/**
 * Recomputes a constitution version's hash from the document the API returns (docs/constitution.md, "The hash"):
 * SHA-256 of the RFC 8785 form of {principles sorted by key, each with exactly its content fields, meta_rules}.
 */
import { toHex, utf8 } from './bytes.js';
import { canonicalJson } from './canonical-json.js';
import { sha256 as defaultSha256, type Sha256 } from './sha256.js';

export interface PrincipleContent {
  key: string;
  title: string;
  description: string;
  category: string;
  priority: number;
  scope: { actions: readonly string[]; resource_types: readonly string[] };
  normative_statement: string;
  rationale: string;
  constraints: readonly unknown[];
}

export interface ConstitutionContent {
  principles: readonly PrincipleContent[];
  meta_rules: unknown;
}

/** Only the content fields: a view that carries more (ids, statuses) must still hash as the server hashed it. */
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

export function constitutionCanonicalText(content: ConstitutionContent): string {
  const principles = content.principles.map(contentOf).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return canonicalJson({ principles, meta_rules: content.meta_rules });
}

export async function constitutionHash(content: ConstitutionContent, sha256: Sha256 = defaultSha256): Promise<string> {
  return toHex(await sha256(utf8(constitutionCanonicalText(content))));
}
