import { cedarBoundProblem } from '../policy/cedar-bounds.js';
import type * as CedarWasm from '@cedar-policy/cedar-wasm/nodejs';
import { cedar, lineAndColumn, printPolicy } from '../policy/cedar.js';
import type { PolicyText } from '../verify/questions.js';
import type { GeneratedBy } from './compiler.js';
import type { Diagnostic } from './diagnostics.js';

/** The Cedar in a model's reply: the first ```cedar (or unlabelled) fenced block, else the whole reply. */
export function cedarIn(reply: string): string {
  const fenced = /```[ \t]*(?:cedar)?[ \t]*\r?\n([\s\S]*?)```/i.exec(reply);
  return (fenced?.[1] ?? reply).trim();
}

/**
 * A model's Cedar as the platform's policies for a principle: each parsed policy re-annotated with the ids
 * `<key>.<n>`, the principle, and who generated it (whatever the model wrote in those annotations), and printed by
 * Cedar. Parse errors come back as diagnostics located in the model's text.
 */
export function candidatePolicies(
  cedarText: string,
  principleKey: string,
  generatedBy: GeneratedBy,
): { policies: PolicyText[] } | { diagnostics: Diagnostic[] } {
  const tooComplex = cedarBoundProblem(cedarText);
  if (tooComplex !== null) return { diagnostics: [{ kind: 'check', message: `the reply is ${tooComplex}` }] };
  const parts = cedar.policySetTextToParts(cedarText);
  if (parts.type === 'failure')
    return {
      diagnostics: parts.errors.map((error) => ({
        kind: 'cedar',
        policy: 'reply',
        ...lineAndColumn(cedarText, error.sourceLocations?.[0]?.start),
        message: error.message,
      })),
    };
  if (parts.policy_templates.length > 0)
    return {
      diagnostics: [
        {
          kind: 'check',
          message: 'write static policies only: templates (?principal, ?resource) are not accepted here',
        },
      ],
    };
  if (parts.policies.length === 0)
    return { diagnostics: [{ kind: 'check', message: 'the reply contains no Cedar policy' }] };
  const policies: PolicyText[] = [];
  for (const [index, text] of parts.policies.entries()) {
    const json = cedar.policyToJson(text);
    if (json.type === 'failure')
      return { diagnostics: [{ kind: 'check', message: json.errors.map((error) => error.message).join('; ') }] };
    const id = `${principleKey}.${index + 1}`;
    const annotated = json.json as CedarWasm.PolicyJson;
    const obligation = annotated.annotations?.['obligation'];
    const annotations: Record<string, string> = { id, principle: principleKey, generated_by: generatedBy };
    if (typeof obligation === 'string' && obligation.trim() !== '') annotations['obligation'] = obligation;
    try {
      policies.push({ id, text: printPolicy({ ...annotated, annotations }) });
    } catch (error) {
      return { diagnostics: [{ kind: 'check', message: (error as Error).message }] };
    }
  }
  return { policies };
}
