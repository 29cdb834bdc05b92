/**
 * The Cedar schema every policy is validated against and every request is checked with (version 4). Context
 * attributes are all present on every request — the enforcer fills defaults — so policies need no `has` checks.
 * Version 2 added the tool catalogue's attributes on `Tool` and the session's `prior_tools` and `prior_findings`;
 * version 3 the LLM gateway's running totals `tokens_24h` and `requests_24h`, so budgets are principles; version 4
 * the per-session total `session_tokens`. A bundle
 * built under an older version is still enforced, with the attributes its own schema declares (see PolicyEngine).
 */
export const GOVERNANCE_SCHEMA_VERSION = '4';

export const ACTIONS = ['generate', 'respond', 'tool_call', 'retrieve', 'write_memory', 'send_external'] as const;
export type GovernedAction = (typeof ACTIONS)[number];

export const PRINCIPAL_TYPES = ['Agent', 'User'] as const;
export const RESOURCE_TYPES = ['Model', 'Tool', 'Dataset', 'Document', 'Channel'] as const;

export const GOVERNANCE_SCHEMA = `
entity User = { "role"?: String, "trust"?: Long };
entity Agent = { "owner"?: String, "trust"?: Long };
entity Model = { "provider"?: String };
entity Tool = { "risk"?: Long, "data_classification"?: String, "read_only"?: Bool, "destructive"?: Bool, "open_world"?: Bool };
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
  "prior_tools": Set<String>,
  "prior_findings": Set<String>,
  "tokens_24h": Long,
  "requests_24h": Long,
  "session_tokens": Long,
};

action generate, respond, tool_call, retrieve, write_memory, send_external appliesTo {
  principal: [User, Agent],
  resource: [Model, Tool, Dataset, Document, Channel],
  context: AiContext,
};
`;

type AttributeType = 'set' | 'bool' | 'long' | 'string';

/**
 * The values a Long context attribute can take: scores are 0–100 wherever the platform makes them (detectors, the
 * tool catalogue), so requests outside are refused (400) and the verifier looks for counterexamples only inside.
 */
export const CONTEXT_RANGES: Readonly<Record<string, { min: number; max: number }>> = {
  risk: { min: 0, max: 100 },
  injection_score: { min: 0, max: 100 },
  // Usage counts: never negative; a trillion tokens a day is beyond any budget worth writing.
  tokens_24h: { min: 0, max: 1_000_000_000_000 },
  requests_24h: { min: 0, max: 1_000_000_000_000 },
  session_tokens: { min: 0, max: 1_000_000_000_000 },
};

/**
 * The values a String context attribute can take. Data classifications are the platform's: the ones the starter
 * constitution and the tool catalogue use, and '' for a request that gives none. Principles naming another value are
 * refused, requests carrying one are refused (400), and the verifier's counterexamples use only these.
 */
export const CONTEXT_VALUES: Readonly<Record<string, readonly string[]>> = {
  data_classification: ['', 'public', 'internal', 'external', 'confidential', 'restricted'],
};

/**
 * Who fills each context attribute. Detector- and session-owned attributes take the stricter of the caller's value
 * and the platform's (set union, logical or, maximum), so a caller can add suspicion but never remove what was
 * detected in this request or seen earlier in its session.
 */
export const CONTEXT_ATTRIBUTES: Readonly<
  Record<
    string,
    {
      type: AttributeType;
      owner: 'detector' | 'session' | 'approval' | 'caller' | 'usage';
      default: string[] | boolean | number | string;
    }
  >
> = {
  pii: { type: 'set', owner: 'detector', default: [] },
  secrets: { type: 'bool', owner: 'detector', default: false },
  injection_score: { type: 'long', owner: 'detector', default: 0 },
  keyword_lists: { type: 'set', owner: 'detector', default: [] },
  unsafe_categories: { type: 'set', owner: 'caller', default: [] },
  tool: { type: 'string', owner: 'caller', default: '' },
  // True only for a request decided with a person's grant (an approval bound to it); what a caller says is ignored.
  human_approved: { type: 'bool', owner: 'approval', default: false },
  data_classification: { type: 'string', owner: 'caller', default: '' },
  risk: { type: 'long', owner: 'detector', default: 0 },
  decision_inputs: { type: 'set', owner: 'caller', default: [] },
  prior_tools: { type: 'set', owner: 'session', default: [] },
  prior_findings: { type: 'set', owner: 'session', default: [] },
  // The LLM gateway's metered totals for the principal over the last 24 hours, this request counted in (its prompt
  // estimated at four characters a token). A decision API caller reports its own; both only ever count upward.
  tokens_24h: { type: 'long', owner: 'usage', default: 0 },
  requests_24h: { type: 'long', owner: 'usage', default: 0 },
  // The principal's tokens in this enforcement session, this request's prompt counted in; outside a session, the
  // request is a session of its own.
  session_tokens: { type: 'long', owner: 'usage', default: 0 },
};
