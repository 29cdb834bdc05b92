/**
 * The hand-written Cedar policies the starter bundle was before it was compiled from the starter constitution: kept
 * only as a test oracle the compiled bundle is proven equivalent to (same decisions, same obligations). One
 * principle each (the baseline permit
 * included); `@obligation` names what the caller must do when the policy
 * is what denied a request.
 */
export const STARTER_ORACLE: Readonly<Record<string, string>> = {
  'baseline-permit': `@id("baseline-permit")
@principle("baseline-governed-actions")
permit (principal, action in [Action::"generate", Action::"respond", Action::"tool_call", Action::"retrieve", Action::"write_memory", Action::"send_external"], resource);`,
  'forbid-pii-to-external': `@id("forbid-pii-to-external")
@principle("no-pii-to-external-channels")
@obligation("redact")
forbid (principal, action == Action::"send_external", resource)
when { context.pii.containsAny(["email", "phone", "payment_card", "iban", "ssn", "ip_address"]) };`,
  'forbid-secrets-in-outputs': `@id("forbid-secrets-in-outputs")
@principle("no-secrets-in-outputs")
@obligation("redact")
forbid (principal, action in [Action::"respond", Action::"send_external", Action::"write_memory"], resource)
when { context.secrets };`,
  'forbid-unapproved-high-risk-tool': `@id("forbid-unapproved-high-risk-tool")
@principle("human-approval-for-high-risk-tools")
@obligation("require_human_review")
forbid (principal, action == Action::"tool_call", resource)
when { context.risk >= 70 }
unless { context.human_approved };`,
  'forbid-unapproved-high-risk-catalogued-tool': `@id("forbid-unapproved-high-risk-catalogued-tool")
@principle("human-approval-for-high-risk-tools")
@obligation("require_human_review")
forbid (principal, action == Action::"tool_call", resource is Tool)
when { resource has risk && resource.risk >= 70 }
unless { context.human_approved };`,
  'forbid-prompt-injection': `@id("forbid-prompt-injection")
@principle("block-prompt-injection")
forbid (principal, action in [Action::"generate", Action::"tool_call"], resource)
when { context.injection_score >= 80 };`,
  'forbid-unsafe-outputs': `@id("forbid-unsafe-outputs")
@principle("withhold-unsafe-outputs")
forbid (principal, action in [Action::"respond", Action::"send_external"], resource)
when { context.unsafe_categories.containsAny(["violence", "self_harm", "sexual_minors", "weapons", "hate"]) };`,
  'forbid-unapproved-restricted-retrieval': `@id("forbid-unapproved-restricted-retrieval")
@principle("restricted-data-needs-approval")
@obligation("require_human_review")
forbid (principal, action == Action::"retrieve", resource)
when { context.data_classification == "restricted" }
unless { context.human_approved };`,
  'forbid-sensitive-pii-in-memory': `@id("forbid-sensitive-pii-in-memory")
@principle("no-sensitive-pii-in-memory")
@obligation("redact")
forbid (principal, action == Action::"write_memory", resource)
when { context.pii.containsAny(["ssn", "payment_card", "iban"]) };`,
  'forbid-protected-attributes': `@id("forbid-protected-attributes")
@principle("equal-treatment")
forbid (principal, action in [Action::"respond", Action::"tool_call"], resource)
when { context.decision_inputs.containsAny(["race", "ethnicity", "religion", "gender", "sexual_orientation", "disability", "age"]) };`,
};
