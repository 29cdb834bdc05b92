import { denialText } from '../enforcement/denial.js';
import type { DecisionResponse } from '../enforcement/enforcer.js';

/** A decision the gateway made on an exchange, as the response lists it. */
export interface ExchangeDecision {
  decision_id: string;
  action: 'generate' | 'respond' | 'tool_call';
  decision: 'allow' | 'deny';
}

export type ExchangeOutcome = 'allow' | 'redacted' | 'denied' | 'withheld' | 'upstream_error';

/** A tool call a model proposes, as OpenAI's chat completions carry it. */
export interface ToolCall {
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

/**
 * The catalogue id a model's proposed function is decided as: its name under `llm.`, so an admin catalogues the
 * functions apps offer their models (risk, classification) beside the MCP servers' tools.
 */
export const toolIdOf = (functionName: string) => `llm.${functionName}`;

/**
 * Each proposed call decided as `tool_call` on its function (its arguments the content): the allowed ones kept, in
 * order, and a reason for each one removed — a held one names its approval.
 */
export async function governToolCalls(
  proposed: readonly ToolCall[],
  decide: (tool: string, args: string) => Promise<DecisionResponse>,
): Promise<{ kept: ToolCall[]; refused: string[] }> {
  const kept: ToolCall[] = [];
  const refused: string[] = [];
  for (const call of proposed) {
    const name = call.function?.name ?? '';
    const verdict = await decide(toolIdOf(name), call.function?.arguments ?? '');
    if (verdict.decision === 'allow') {
      kept.push(call);
      continue;
    }
    const held = verdict.obligations.find((obligation) => obligation.type === 'require_human_review');
    refused.push(
      `tool call ${call.id ?? name} (${name}) removed — ${denialText(verdict)}` +
        (held?.approval_id === undefined ? '' : `; held for human approval: approval ${held.approval_id}`),
    );
  }
  return { kept, refused };
}
