import type { ErrorKind } from './error-kinds.js';

/**
 * Every `error_code` the platform can answer with, declared once: its kind (which fixes the HTTP status) and what
 * it means. Throwing an undeclared code does not compile; docs/errors.md is rendered from this table and a test
 * keeps the two equal (`acgs errors doc` writes it).
 */
export const ERROR_CODES = {
  // Requests that are malformed or do not fit the API.
  VALIDATION_ERROR: {
    kind: 'invalid',
    meaning:
      'The body, query or path does not match the route schema. The detail names each problem by the JSON Pointer of the offending property in the request part (`/body/changes/0/op`, `/querystring/limit`, `/params/id`) and what is accepted there: "must be one of …" (an enumeration, or the tag of a union of shapes), "unknown property (allowed here: …)", "missing required property …", a type, bound or format; several are joined by "; "',
  },
  INVALID_JSON: { kind: 'invalid', meaning: 'The body is not JSON, or is empty while Content-Type says JSON' },
  INVALID_NUMBER: {
    kind: 'invalid',
    meaning:
      'A JSON number is not finite (1e400 parses as Infinity, which has no JSON form); the detail names the field',
  },
  JSON_TOO_DEEP: {
    kind: 'invalid',
    meaning: 'JSON input nests deeper than 64 levels; the detail names where',
  },
  INVALID_POLICY: { kind: 'invalid', meaning: 'A Cedar policy given for verification does not parse' },
  LLM_UPSTREAM_REJECTED: {
    kind: 'invalid',
    meaning:
      "The LLM upstream refused the request as malformed (its 4xx); the detail quotes the provider's status and message",
  },
  POLICY_EXISTS_IN_BUNDLE: {
    kind: 'invalid',
    meaning: 'A policy verification in mode "add" names an id the bundle already has: use mode "replace"',
  },
  INVALID_CHANGE_SET: {
    kind: 'invalid',
    meaning:
      'A change set names a policy twice, puts or removes nothing, puts a version that is not pending, or removes a policy not in force',
  },
  POLICY_TOO_COMPLEX: {
    kind: 'invalid',
    meaning:
      'Cedar from outside is over the limits checked before parsing (size, bracket nesting, operators per policy), or Cedar ran out of stack on it',
  },
  POLICY_ID_REQUIRED: {
    kind: 'invalid',
    meaning: 'A policy given for verification has neither an id nor an @id annotation',
  },
  POLICY_NOT_IN_BUNDLE: {
    kind: 'invalid',
    meaning: "A policy to remove (for a change impact, or from a dry run's candidate set) is not in the bundle",
  },
  INVALID_TEMPLATE: {
    kind: 'invalid',
    meaning:
      'A policy template is not one Cedar template that validates strictly, or its parameters do not name exactly its slots with entity types of the schema; every problem with its path',
  },
  INVALID_TEMPLATE_LINK: {
    kind: 'invalid',
    meaning:
      'A link does not fill every slot of the template with an entity of a declared type, or Cedar refuses the link',
  },
  INVALID_CONDITION: { kind: 'invalid', meaning: 'A property condition does not parse as a Cedar condition' },
  INVALID_FAIRNESS_INPUT: {
    kind: 'invalid',
    meaning:
      'A fairness question cannot be answered from its input: not exactly one of requests and recorded, a request Cedar refuses, fewer than two groups, a group below min_group_size, or labels on some requests only',
  },
  STATISTICS_WINDOW: {
    kind: 'invalid',
    meaning: 'A decision statistics window is empty or reversed, or holds more than 1,500 buckets of the size asked',
  },
  INVALID_CONTENT_LENGTH: { kind: 'invalid', meaning: 'Content-Length does not match the body' },
  INVALID_STRING: {
    kind: 'invalid',
    meaning:
      'A string holds a NUL character or a lone UTF-16 surrogate, or an audit event a value the database would store otherwise (a uuid in capitals): neither can be kept as given; the detail names the field where it can',
  },
  INVALID_VALUE: {
    kind: 'invalid',
    meaning: 'A value is out of range or malformed for the database (a data exception)',
  },
  BAD_URL: { kind: 'invalid', meaning: 'A path segment is not valid percent-encoded UTF-8' },
  BAD_REQUEST: { kind: 'invalid', meaning: 'The request was refused by the framework for a reason not listed here' },
  MALFORMED_REQUEST: {
    kind: 'invalid',
    meaning: 'Not valid HTTP/1.1 (bad request line, header name or value); the connection is closed',
  },
  INVALID_REQUEST: {
    kind: 'invalid',
    meaning: 'A decision request is not one the policy engine can evaluate (entity or context shape)',
  },
  INVALID_RANGE: { kind: 'invalid', meaning: 'A time range or tree range is empty or reversed' },
  INVALID_CURSOR: { kind: 'invalid', meaning: 'The pagination cursor was not issued by this endpoint' },
  INVALID_IF_MATCH: { kind: 'invalid', meaning: 'If-Match is not a version number in quotes' },
  INVALID_DOCUMENT: {
    kind: 'invalid',
    meaning: 'A constitution document does not validate; the detail lists every problem with its JSON path',
  },
  INVALID_META_RULES: {
    kind: 'invalid',
    meaning: 'Meta-rules do not validate (thresholds, quorum, periods); every problem with its path',
  },
  INVALID_PRINCIPLE: {
    kind: 'invalid',
    meaning: 'A principle does not validate (scope, constraints, priority); every problem with its path',
  },
  INVALID_CHANGES: {
    kind: 'invalid',
    meaning: "An amendment's changes do not apply to the current constitution; every problem with its path",
  },
  INVALID_CEDAR: {
    kind: 'invalid',
    meaning:
      'Cedar does not parse or does not validate against the governance schema; the detail gives policy:line:column',
  },
  INVALID_OPENPGP: { kind: 'invalid', meaning: 'An OpenPGP key or signature does not parse' },
  INVALID_KEYWORD_PATTERN: { kind: 'invalid', meaning: 'A keyword list pattern is not a valid regular expression' },
  BEYOND_TREE: { kind: 'invalid', meaning: 'A proof was asked for beyond the current size of the audit log' },
  DEADLINE_IN_PAST: { kind: 'invalid', meaning: 'An amendment voting deadline lies in the past' },
  DETAILS_TOO_LARGE: { kind: 'invalid', meaning: 'Audit event details are over 16 KiB' },
  DUPLICATE_POLICY_ID: { kind: 'invalid', meaning: 'Two policies in one submission or bundle share an @id' },
  NOT_AN_AGENT: { kind: 'invalid', meaning: 'API keys are issued only to users with the agent or service role' },
  NO_DRAFTS: { kind: 'invalid', meaning: 'Bootstrapping a constitution needs at least one draft principle' },
  NO_SESSION: { kind: 'invalid', meaning: 'The credential has no session (an API key) where one is needed' },
  ONE_POLICY_PER_RULE: { kind: 'invalid', meaning: 'A submitted rule must hold exactly one Cedar policy' },
  POLICY_ID_MISMATCH: { kind: 'invalid', meaning: "The policy's @id differs from the id it is stored under" },
  POLICY_ID_MISSING: { kind: 'invalid', meaning: 'A policy has no @id("…") annotation' },
  RESERVED_ACTION: {
    kind: 'invalid',
    meaning: "An audit action in one of the platform's own namespaces was sent by a client",
  },
  RESERVED_FIELD: { kind: 'invalid', meaning: 'An audit event sets details.reported_by, which the platform sets' },
  USER_INACTIVE: { kind: 'invalid', meaning: 'The user is deactivated' },
  WEAK_PASSWORD: { kind: 'invalid', meaning: 'The password is too short, common, or contains the email' },

  // Credentials.
  NOT_AUTHENTICATED: { kind: 'unauthenticated', meaning: 'No credential was sent' },
  INVALID_CREDENTIALS: { kind: 'unauthenticated', meaning: 'Wrong email or password (the same answer for both)' },
  INVALID_TOKEN: {
    kind: 'unauthenticated',
    meaning: 'The token is malformed, forged, for another audience, or the Authorization header is not Bearer',
  },
  INVALID_API_KEY: {
    kind: 'unauthenticated',
    meaning: 'The API key is unknown, expired, revoked, or its owner is gone or deactivated',
  },
  TOKEN_EXPIRED: { kind: 'unauthenticated', meaning: 'The access token has expired; refresh it' },
  TOKEN_REVOKED: {
    kind: 'unauthenticated',
    meaning: 'The session was ended (logout, role change, deactivation) or its user no longer exists',
  },
  REFRESH_TOKEN_MISSING: { kind: 'unauthenticated', meaning: 'No refresh token in the body or cookie' },
  REFRESH_TOKEN_REUSED: {
    kind: 'unauthenticated',
    meaning: 'A rotated refresh token was replayed: the whole session is revoked',
  },

  // Permissions.
  FORBIDDEN: { kind: 'forbidden', meaning: 'The caller lacks a role the route requires' },
  CSRF_INVALID: {
    kind: 'forbidden',
    meaning: 'A cookie-authenticated change came without a valid X-CSRF-Token for its session',
  },
  PROMPT_DENIED: {
    kind: 'forbidden',
    meaning:
      'The LLM gateway decided the prompt (as `generate`) and policy denied it: it never reached the model; the error names the decision and its principles',
  },
  NOT_AFFECTED: { kind: 'forbidden', meaning: 'Only the caller a decision affected (or a person) may appeal it' },
  SECOND_APPROVER_REQUIRED: {
    kind: 'forbidden',
    meaning:
      'The version needs two approvers (an LLM wrote it for a principle without constraints) and this one approved it already',
  },
  TWO_PERSON_RULE: {
    kind: 'forbidden',
    meaning:
      "The author of a policy version cannot approve it, an appellant resolve their own appeal, a caller approve its own held request, nor (where a policy asks for independent review) an agent's owner approve its calls",
  },

  // Missing things.
  NOT_FOUND: { kind: 'not_found', meaning: 'No route or resource at this path' },
  AMENDMENT_NOT_FOUND: { kind: 'not_found', meaning: 'No amendment with this id' },
  API_KEY_NOT_FOUND: { kind: 'not_found', meaning: 'No live API key with this id' },
  APPEAL_NOT_FOUND: { kind: 'not_found', meaning: 'No appeal with this id' },
  BUNDLE_NOT_FOUND: { kind: 'not_found', meaning: 'No policy bundle with this version (or none active)' },
  DECISION_NOT_FOUND: { kind: 'not_found', meaning: 'No logged decision with this id' },
  ENTRY_NOT_FOUND: { kind: 'not_found', meaning: 'No audit entry at this leaf index' },
  JOB_NOT_FOUND: { kind: 'not_found', meaning: 'No verification job with this id' },
  SYNTHESIS_RUN_NOT_FOUND: { kind: 'not_found', meaning: 'No synthesis run with this id' },
  SPECIFICATION_NOT_FOUND: { kind: 'not_found', meaning: 'No specification draft with this id' },
  TEMPLATE_NOT_FOUND: { kind: 'not_found', meaning: 'No policy template with this id (or it was deleted)' },
  APPROVAL_NOT_FOUND: { kind: 'not_found', meaning: 'No approval request with this id' },
  TOOL_NOT_FOUND: { kind: 'not_found', meaning: 'No tool with this id in the tool catalogue' },
  MCP_SERVER_NOT_FOUND: { kind: 'not_found', meaning: 'No upstream MCP server registered under this name' },
  LLM_UPSTREAM_NOT_FOUND: { kind: 'not_found', meaning: 'No LLM upstream registered under this name' },
  MODEL_NOT_FOUND: {
    kind: 'not_found',
    meaning:
      'The LLM gateway routes no upstream for this model: name it `<upstream>/<model>`, or a model exactly one upstream lists',
  },
  MCP_SESSION_NOT_FOUND: {
    kind: 'not_found',
    meaning:
      'No MCP session with this Mcp-Session-Id for this caller (it ended, this instance restarted, or another principal opened it)',
  },
  PRINCIPLE_NOT_IN_AMENDMENT: {
    kind: 'not_found',
    meaning: 'The amendment adds or modifies no principle with this key',
  },
  CONSTITUTION_NOT_FOUND: {
    kind: 'not_found',
    meaning: 'The bundle names a constitution (by hash) that this system does not hold',
  },
  NO_ACTIVE_BUNDLE: {
    kind: 'not_found',
    meaning: 'No verified bundle is in force (also a decision reason: every request is denied)',
  },
  NO_CONSTITUTION: { kind: 'not_found', meaning: 'No constitution has been enacted yet' },
  POLICY_NOT_FOUND: { kind: 'not_found', meaning: 'No policy with this id (or version)' },
  CHANGE_SET_NOT_FOUND: { kind: 'not_found', meaning: 'No change set with this id' },
  REPLACED_POLICY_NOT_FOUND: {
    kind: 'not_found',
    meaning:
      'A policy verification replaces the bundle policy of its id (the default mode) and the bundle has none: send mode "add" to add it',
  },
  PRINCIPLE_NOT_FOUND: { kind: 'not_found', meaning: 'No principle with this id or key' },
  REVIEW_NOT_FOUND: { kind: 'not_found', meaning: 'No policy review item with this id' },
  USER_NOT_FOUND: { kind: 'not_found', meaning: 'No user with this id' },
  VERSION_NOT_FOUND: { kind: 'not_found', meaning: 'No constitution version with this number' },

  // State that does not allow the change.
  CONFLICT: { kind: 'conflict', meaning: 'The change conflicts with the current state' },
  DUPLICATE: { kind: 'conflict', meaning: 'A unique value is taken' },
  AUDIT_LOG_WHOLE: {
    kind: 'conflict',
    meaning: '`acgs audit reanchor` on a log with no rows missing from its end: there is no gap to acknowledge',
  },
  TOOL_DEFINITION_NOT_PENDING: {
    kind: 'conflict',
    meaning: "The tool's definition has not changed since it was pinned: there is nothing to approve",
  },
  TOOL_DEFINITION_MOVED: {
    kind: 'conflict',
    meaning:
      'The digest given is not the pending definition: the upstream changed the tool again since it was reviewed',
  },
  DUPLICATE_KEY: { kind: 'conflict', meaning: 'A principle with this key exists' },
  LLM_NOT_CONFIGURED: {
    kind: 'conflict',
    meaning:
      'Drafting constraints from text needs an LLM and this deployment has none (set LLM_BASE_URL and LLM_MODEL); nothing was stored',
  },
  TEMPLATE_EXISTS: { kind: 'conflict', meaning: 'A policy template with this id exists; PUT adds a version' },
  TEMPLATE_IN_USE: {
    kind: 'conflict',
    meaning: 'Policies linked from the template are still in force or under review; revoke them before deleting it',
  },
  EMAIL_TAKEN: { kind: 'conflict', meaning: 'An account with this email exists' },
  LAST_ADMIN: { kind: 'conflict', meaning: 'The change would leave no active admin' },
  AMENDMENT_CLOSED: { kind: 'conflict', meaning: 'The amendment is no longer open' },
  AMENDMENT_CONFLICT: { kind: 'conflict', meaning: 'Another open amendment changes the same principle' },
  AMENDMENT_NOT_DRAFT: { kind: 'conflict', meaning: 'Only a draft amendment can be edited or opened' },
  APPEAL_OPEN: { kind: 'conflict', meaning: 'This decision already has an open appeal' },
  APPROVAL_DECIDED: { kind: 'conflict', meaning: 'The approval request was already approved, rejected or used' },
  APPROVAL_EXPIRED: { kind: 'conflict', meaning: 'The approval request lapsed before anyone decided it' },
  APPEAL_RESOLVED: { kind: 'conflict', meaning: 'The appeal is already resolved' },
  CONSTITUTION_EXISTS: { kind: 'conflict', meaning: 'A constitution is already enacted; change it by amendment' },
  META_RULES_ACTIVE: { kind: 'conflict', meaning: 'Meta-rules change by amendment once a constitution is enacted' },
  POLICY_EXISTS: { kind: 'conflict', meaning: 'A policy with this id exists; submit a new version instead' },
  POLICY_STATE: { kind: 'conflict', meaning: 'The policy is not in a state that allows this lifecycle step' },
  CHANGE_SET_STATE: {
    kind: 'conflict',
    meaning: 'The change set is not in a state that allows this step (approve needs verified, activate approved)',
  },
  CHANGE_SET_STALE: {
    kind: 'conflict',
    meaning:
      'A policy version the change set puts into force is no longer pending (another change activated, superseded or revoked it): propose a new set',
  },
  VERIFICATION_FAILED: {
    kind: 'conflict',
    meaning:
      'Verification against the constitution did not hold (a principle violated, with a counterexample, or a verdict of unsupported or inconclusive): the policy is not verified, or the bundle not activated',
  },
  PRINCIPLE_NOT_DRAFT: { kind: 'conflict', meaning: 'Only a draft principle can be edited or deleted directly' },
  REVIEW_CLOSED: { kind: 'conflict', meaning: 'The review item is already closed' },
  VERSION_CONFLICT: { kind: 'conflict', meaning: 'The version sent (If-Match) is not the current one' },
  VOTING_CLOSED: { kind: 'conflict', meaning: 'Voting on this amendment has ended' },
  VERSION_REQUIRED: {
    kind: 'precondition_required',
    meaning: 'Edits of an active principle must say which version they edit (If-Match or body version)',
  },

  // Sizes and media.
  PAYLOAD_TOO_LARGE: { kind: 'too_large', meaning: 'The body is over the size limit' },
  CONTENT_TOO_LARGE: { kind: 'too_large', meaning: 'Decision content is over ACGS_MAX_CONTENT_BYTES' },
  PATH_PARAMETER_TOO_LONG: {
    kind: 'uri_too_long',
    meaning: 'A path segment is longer than any identifier this API uses',
  },
  UNSUPPORTED_MEDIA_TYPE: { kind: 'unsupported_media_type', meaning: 'Content-Type must be application/json' },
  HEADERS_TOO_LARGE: { kind: 'headers_too_large', meaning: 'Request headers are larger than the server accepts' },
  REQUEST_TIMEOUT: { kind: 'timeout', meaning: 'The request was not received in time' },

  // Limits and locks.
  ACCOUNT_LOCKED: { kind: 'locked', meaning: 'Too many failed logins: locked until Retry-After' },
  RATE_LIMITED: { kind: 'rate_limited', meaning: 'Too many requests from this address: retry after Retry-After' },

  // Outages: retry after Retry-After.
  SERVICE_UNAVAILABLE: {
    kind: 'unavailable',
    meaning: 'The service is unavailable (at the gateway: every instance is down)',
  },
  MAINTENANCE_MODE: { kind: 'unavailable', meaning: 'Maintenance mode: changes are paused' },
  DATABASE_UNAVAILABLE: { kind: 'unavailable', meaning: 'The database is unreachable or the connection was lost' },
  DATA_DIR_IN_USE: {
    kind: 'unavailable',
    meaning:
      'The PGlite data directory is held by another running acgs process (the lock file beside it names the process): nothing was written',
  },
  DB_POOL_TIMEOUT: { kind: 'unavailable', meaning: 'No database connection became free within DATABASE_POOL_TIMEOUT' },
  CACHE_UNAVAILABLE: { kind: 'unavailable', meaning: 'Redis is unreachable' },
  AUDIT_LOG_DAMAGED: {
    kind: 'unavailable',
    meaning:
      'Rows are missing from the end of the audit log (leaf hashes or a signed head go past them): nothing is recorded until it is restored from a backup or the gap is acknowledged with `acgs audit reanchor` (docs/audit.md#recovery)',
  },
  AUDIT_UNAVAILABLE: { kind: 'unavailable', meaning: 'The decision log cannot be written, so no decision is returned' },
  POLICY_ENGINE_FAULT: {
    kind: 'unavailable',
    meaning: 'A Cedar WebAssembly instance trapped; it was replaced by a fresh one and the call may be retried',
  },
  DETECTOR_TIMEOUT: {
    kind: 'unavailable',
    meaning:
      'The content detectors did not finish within their time budget (a configured keyword pattern that backtracks, say): the request is refused, never decided unscanned',
  },
  DETECTOR_FAILED: {
    kind: 'unavailable',
    meaning: 'The detector thread failed while scanning; it is replaced and the request is refused',
  },
  UPSTREAM_UNAVAILABLE: {
    kind: 'unavailable',
    meaning:
      'An upstream MCP server could not be started or reached, or did not answer within its timeout (in MCP results: the tool error names it)',
  },

  LLM_UPSTREAM_FAILED: {
    kind: 'bad_gateway',
    meaning:
      'The LLM upstream could not be reached, answered with an error after the configured retries, or answered with something that is not the OpenAI wire protocol; the detail quotes it',
  },
  LLM_UPSTREAM_TIMEOUT: {
    kind: 'gateway_timeout',
    meaning: 'The LLM upstream did not answer within its configured timeout (after the configured retries)',
  },

  INTERNAL_ERROR: { kind: 'internal', meaning: 'Our bug: logged with its stack and counted in acgs_errors_total' },
  // Well-formed requests the platform cannot act on.
  COMPILED_EVALUATOR_MISMATCH: {
    kind: 'unprocessable',
    meaning:
      "The bundle's policies compiled to closures decide one of its generated requests otherwise than cedar-wasm: the bundle is not built; the detail gives the request and both answers (ACGS_EVALUATOR=cedar enforces with cedar-wasm alone)",
  },
  AUDIT_GAP_UNRECOVERABLE: {
    kind: 'unprocessable',
    meaning:
      'The lost audit rows took their leaf hashes with them: the tree cannot continue past them, only a backup restores the log',
  },
  CONSTRAINTS_NOT_COMPILABLE: {
    kind: 'unprocessable',
    meaning:
      'A principle to synthesise has constraints that do not type-check against the governance schema (the detail names each by principle and JSON Pointer), or none at all',
  },
} as const satisfies Record<string, { kind: ErrorKind; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes a decision's reasons carry (a deny that no policy chose), besides a policy id. */
export const DECISION_REASON_CODES = {
  NO_ACTIVE_BUNDLE: 'No verified bundle is in force: every request is denied',
  CLASSIFIER_UNAVAILABLE: 'The configured moderation classifier did not answer: denied rather than decided without it',
  POLICY_ERROR: 'A policy raised an evaluation error (e.g. a missing attribute): counted as forbid',
  NO_PERMIT: 'No policy permits the request (Cedar denies by default)',
  UNKNOWN_TOOL:
    "MCP gateway: the name is not exactly a tool of that upstream's last tools/list (lookalikes included); never forwarded",
  TOOL_DEFINITION_CHANGED:
    'MCP gateway: the upstream changed the tool definition since it was pinned; refused until an admin approves the new one',
  CONTENT_TOO_LARGE:
    "MCP gateway: a call's arguments or result are over ACGS_MAX_CONTENT_BYTES, never forwarded; LLM gateway: an answer over it, withheld",
} as const;

export type DecisionReasonCode = keyof typeof DECISION_REASON_CODES;

/** Codes a failed verification job carries in `error_code` (the job failed; no verdict was reported). */
export const JOB_FAILURE_CODES = {
  ENCODING_MISMATCH:
    'The solver claimed something about a request that Cedar, deciding that request, contradicts: a verifier bug; the case is kept in the job and counted in acgs_fv_encoding_mismatches_total',
  VERIFIER_ERROR: 'The verification raised an unexpected error (logged with its stack)',
} as const;

/** Codes the SDK throws on the client side, besides the service's own codes it passes on. */
export const SDK_ERROR_CODES = {
  BUNDLE_REFUSED:
    'createLocalGuard: the bundle does not verify with the given keys, or the audit log does not prove its activation',
  INVALID_OPTIONS: 'createLocalGuard was given neither a bundle nor a bundleUrl',
  UNEXPECTED_RESPONSE: 'The service answered with something that is not the standard error shape (a proxy page, say)',
} as const;

export type SdkErrorCode = ErrorCode | keyof typeof SDK_ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
