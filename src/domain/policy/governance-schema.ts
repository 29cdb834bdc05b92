/**
 * The Cedar schema every policy is validated against and every request is checked with (version 1). Context
 * attributes are all present on every request — the enforcer fills defaults — so policies need no `has` checks.
 */
export const GOVERNANCE_SCHEMA_VERSION = '1';

export const ACTIONS = ['generate', 'respond', 'tool_call', 'retrieve', 'write_memory', 'send_external'] as const;
export type GovernedAction = (typeof ACTIONS)[number];

export const PRINCIPAL_TYPES = ['Agent', 'User'] as const;
export const RESOURCE_TYPES = ['Model', 'Tool', 'Dataset', 'Document', 'Channel'] as const;

export const GOVERNANCE_SCHEMA = `
entity User = { "role"?: String, "trust"?: Long };
entity Agent = { "owner"?: String, "trust"?: Long };
entity Model = { "provider"?: String };
entity Tool = { "risk"?: Long };
entity Dataset = { "classification"?: String };
entity Document = { "classification"?: String };
entity Channel = { "external"?: Bool };

type AiContext = {
  "pii": Set<String>,
  "secrets": Bool,
  "injection_score": Long,
  "keyword_lists": Set<String>,
  "unsafe_categories": Set<String>,
  "tool": String,
  "human_approved": Bool,
  "data_classification": String,
  "risk": Long,
  "decision_inputs": Set<String>,
};

action generate, respond, tool_call, retrieve, write_memory, send_external appliesTo {
  principal: [User, Agent],
  resource: [Model, Tool, Dataset, Document, Channel],
  context: AiContext,
};
`;

type AttributeType = 'set' | 'bool' | 'long' | 'string';

/**
 * Who fills each context attribute. Detector-owned attributes take the stricter of the caller's value and the
 * detectors' (set union, logical or, maximum), so a caller can add suspicion but never remove what was detected.
 */
export const CONTEXT_ATTRIBUTES: Readonly<
  Record<string, { type: AttributeType; owner: 'detector' | 'caller'; default: string[] | boolean | number | string }>
> = {
  pii: { type: 'set', owner: 'detector', default: [] },
  secrets: { type: 'bool', owner: 'detector', default: false },
  injection_score: { type: 'long', owner: 'detector', default: 0 },
  keyword_lists: { type: 'set', owner: 'detector', default: [] },
  unsafe_categories: { type: 'set', owner: 'caller', default: [] },
  tool: { type: 'string', owner: 'caller', default: '' },
  human_approved: { type: 'bool', owner: 'caller', default: false },
  data_classification: { type: 'string', owner: 'caller', default: '' },
  risk: { type: 'long', owner: 'caller', default: 0 },
  decision_inputs: { type: 'set', owner: 'caller', default: [] },
};
