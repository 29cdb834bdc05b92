import { cedarBoundProblem } from './cedar-bounds.js';
import type * as CedarWasm from '@cedar-policy/cedar-wasm/nodejs';
import type { DocumentProblem } from '../constitution/types.js';
import { cedar, printPolicy, validatePolicies } from './cedar.js';
import type { SchemaShape } from './schema-shape.js';

export const SLOTS = ['principal', 'resource'] as const;
export type Slot = (typeof SLOTS)[number];

/** A template's typed parameters: for each slot it has, the entity types a link may put there. */
export type TemplateParameters = Partial<Record<Slot, { entity_types: string[] }>>;

export interface EntityUid {
  type: string;
  id: string;
}

type ScopeJson = Record<string, unknown> & { op: string; slot?: string; in?: { slot?: string } };

function slotOf(scope: ScopeJson): string | null {
  if (typeof scope.slot === 'string') return scope.slot;
  if (typeof scope.in?.slot === 'string') return scope.in.slot;
  return null;
}

function parseTemplate(text: string): { json: CedarWasm.PolicyJson } | { problems: DocumentProblem[] } {
  const tooComplex = cedarBoundProblem(text);
  if (tooComplex !== null) return { problems: [{ path: '/source', message: tooComplex }] };
  const parts = cedar.policySetTextToParts(text);
  if (parts.type === 'failure')
    return { problems: parts.errors.map((error) => ({ path: '/source', message: error.message })) };
  if (parts.policy_templates.length !== 1 || parts.policies.length > 0)
    return {
      problems: [
        {
          path: '/source',
          message: 'must be exactly one Cedar template: a policy with ?principal or ?resource in its scope',
        },
      ],
    };
  const json = cedar.templateToJson(parts.policy_templates[0]!);
  if (json.type === 'failure')
    return { problems: json.errors.map((error) => ({ path: '/source', message: error.message })) };
  return { json: json.json };
}

/** Cedar's strict validation of a policy set (templates and links included), as messages. */
function strictValidationErrors(schema: string, policies: CedarWasm.PolicySet): string[] {
  const answer = cedar.validate({ schema, policies, validationSettings: { mode: 'strict' } });
  return answer.type === 'failure'
    ? answer.errors.map((error) => error.message)
    : answer.validationErrors.map((error) => error.error.message);
}

/** The slots a template's scope uses, e.g. ["principal", "resource"]. */
function slotsOf(json: CedarWasm.PolicyJson): Slot[] {
  return SLOTS.filter((slot) => slotOf(json[slot] as unknown as ScopeJson) === `?${slot}`);
}

/**
 * Checks a template: one Cedar template that validates strictly against the schema, and typed parameters that name
 * exactly the slots it uses, each with entity types the schema has. Problems carry JSON Pointers into the body.
 */
export function templateProblems(text: string, parameters: TemplateParameters, schema: string, shape: SchemaShape) {
  const parsed = parseTemplate(text);
  if ('problems' in parsed) return parsed.problems;
  const problems: DocumentProblem[] = [];
  const used = slotsOf(parsed.json);
  for (const slot of SLOTS) {
    const declared = parameters[slot];
    if (used.includes(slot) && declared === undefined)
      problems.push({ path: `/parameters/${slot}`, message: `the template uses ?${slot}: declare its entity_types` });
    if (!used.includes(slot) && declared !== undefined)
      problems.push({ path: `/parameters/${slot}`, message: `the template has no ?${slot} slot` });
    declared?.entity_types.forEach((type, index) => {
      if (!shape.entityTypes.includes(type))
        problems.push({
          path: `/parameters/${slot}/entity_types/${index}`,
          message: `"${type}" is not an entity type of the schema (${shape.entityTypes.join(', ')})`,
        });
    });
  }
  if (problems.length > 0) return problems;
  const errors = strictValidationErrors(schema, { templates: { template: text } });
  return errors.map((message) => ({ path: '/source', message }));
}

/**
 * Links a template: each slot filled with an entity of a declared type, giving the static policy `policyId`
 * (annotated `@template("<templateId>")`, the template's other annotations kept), which Cedar validates as the
 * template link it is. Problems carry JSON Pointers into the link request.
 */
export function linkTemplate(
  text: string,
  parameters: TemplateParameters,
  templateId: string,
  policyId: string,
  values: Partial<Record<Slot, EntityUid>>,
  schema: string,
): { text: string } | { problems: DocumentProblem[] } {
  const parsed = parseTemplate(text);
  if ('problems' in parsed) return parsed;
  const problems: DocumentProblem[] = [];
  const used = slotsOf(parsed.json);
  const linked = { ...parsed.json } as unknown as Record<string, unknown>;
  for (const slot of SLOTS) {
    const value = values[slot];
    if (!used.includes(slot)) {
      if (value !== undefined) problems.push({ path: `/${slot}`, message: `the template has no ?${slot} slot` });
      continue;
    }
    if (value === undefined) {
      problems.push({ path: `/${slot}`, message: `the template's ?${slot} needs an entity` });
      continue;
    }
    const allowed = parameters[slot]?.entity_types ?? [];
    if (!allowed.includes(value.type)) {
      problems.push({ path: `/${slot}/type`, message: `must be one of ${allowed.join(', ')}` });
      continue;
    }
    const scope = parsed.json[slot] as unknown as ScopeJson;
    const entity = { type: value.type, id: value.id };
    linked[slot] =
      typeof scope.slot === 'string' ? { ...scope, slot: undefined, entity } : { ...scope, in: { entity } };
  }
  if (problems.length > 0) return { problems };
  const errors = strictValidationErrors(schema, {
    templates: { [templateId]: text },
    templateLinks: [
      { templateId, newId: policyId, values: Object.fromEntries(used.map((slot) => [`?${slot}`, values[slot]!])) },
    ],
  });
  if (errors.length > 0) return { problems: errors.map((message) => ({ path: '/', message })) };
  const annotations = { ...(parsed.json.annotations ?? {}), id: policyId, template: templateId };
  const clean = JSON.parse(JSON.stringify({ ...linked, annotations })) as CedarWasm.PolicyJson;
  const printed = printPolicy(clean);
  // The static text must itself validate: it is what the bundle will hold and the verifier will prove.
  const staticProblems = validatePolicies({ [policyId]: printed }, schema);
  if (staticProblems.length > 0) return { problems: staticProblems.map((p) => ({ path: '/', message: p.message })) };
  return { text: printed };
}
