import type { Finding } from '../detectors/finding.js';
import { isRedactable } from '../detectors/redact.js';
import type { SessionHistory } from './decide.js';

export const EMPTY_SESSION: SessionHistory = { prior_tools: [], prior_findings: [] };

/** What one decision adds to its session's history. */
export interface SessionStep {
  tools: string[];
  findings: string[];
}

/**
 * A tool counts as called once a `tool_call` on it is allowed (a refused call never ran); the kinds of personal
 * data and secrets count as seen whatever was decided, since content that was refused was still read by whoever
 * sent it — an agent that was shown a secret in a tool result has seen it even if it may not pass it on.
 */
export function sessionStep(decision: {
  action: string;
  resource: { type: string; id: string };
  decision: 'allow' | 'deny';
  findings: readonly Finding[];
}): SessionStep {
  const called = decision.action === 'tool_call' && decision.resource.type === 'Tool' && decision.decision === 'allow';
  return {
    tools: called ? [decision.resource.id] : [],
    findings: [...new Set(decision.findings.filter(isRedactable).map((finding) => finding.kind))].sort(),
  };
}
