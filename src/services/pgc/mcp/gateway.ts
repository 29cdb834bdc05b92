import type { CallToolResult, Progress, Tool } from '@modelcontextprotocol/sdk/types.js';
import client from 'prom-client';
import { canonicalJson } from '../../../domain/canonical-json.js';
import type { EntityRef } from '../../../domain/enforcement/engine.js';
import { toolId } from '../../../domain/tools/catalogue.js';
import { redactResult, resultText, type ToolResultLike } from '../../../domain/tools/results.js';
import { AppError } from '../../../domain/errors.js';
import type { AuditLog } from '../../../platform/audit/log.js';
import type { Logger } from '../../../platform/logger.js';
import type { ActiveBundle } from '../active-bundle.js';
import type { ApprovalStore } from '../approval-store.js';
import type { DecisionResponse, Enforcer } from '../enforcer.js';
import type { EnforcementSession } from '../session-store.js';
import type { ToolCatalogue } from '../tool-catalogue.js';
import type { ServerRegistry } from './server-registry.js';
import type { Upstreams } from './upstreams.js';

/** Who is calling through the gateway: an authenticated agent account, and the MCP session it is in. */
export interface GatewayCaller {
  userId: string;
  apiKeyId: string | null;
  /** The MCP session's enforcement history (prior_tools, prior_findings). */
  session: EnforcementSession;
  requestId: string;
}

/** The key under a result's `_meta` where the gateway lists the decisions it made on the call, each with a receipt. */
export const DECISIONS_META = 'io.acgs/decisions';

export interface CallDecision {
  decision_id: string;
  action: 'tool_call' | 'respond';
  decision: 'allow' | 'deny';
}

export type CallOutcome = 'allow' | 'deny' | 'held' | 'redacted' | 'upstream_error' | 'unknown_tool';

const APPROVAL_POLL_MS = 500;

export interface GatewayMetrics {
  calls: client.Counter<'server' | 'tool' | 'decision'>;
}

export function createGatewayMetrics(registry: client.Registry): GatewayMetrics {
  return {
    calls: new client.Counter({
      name: 'acgs_mcp_calls_total',
      help: 'Tool calls through the MCP gateway by upstream server, tool and outcome (allow, deny, held, redacted, upstream_error, unknown_tool)',
      labelNames: ['server', 'tool', 'decision'] as const,
      registers: [registry],
    }),
  };
}

const agentOf = (caller: GatewayCaller): EntityRef => ({ type: 'Agent', id: caller.userId });

const splitName = (name: string): { server: string; tool: string } | null => {
  const dot = name.indexOf('.');
  return dot <= 0 ? null : { server: name.slice(0, dot), tool: name.slice(dot + 1) };
};

function refusal(text: string, decisions: CallDecision[]): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }], _meta: { [DECISIONS_META]: decisions } };
}

/** Why a decision denied, in words an agent (and the person reading its transcript) can act on. */
function denialText(response: DecisionResponse): string {
  const why = response.reasons
    .filter((reason) => reason.effect === 'forbid' || reason.error_code !== undefined)
    .map((reason) =>
      reason.policy_id === null
        ? `${reason.error_code}: ${reason.message ?? ''}`.trim()
        : `policy ${reason.policy_id}${reason.principles.length > 0 ? ` (principle ${reason.principles.join(', ')})` : ''}`,
    );
  return `Denied by ACGS policy — decision ${response.decision_id}: ${why.join('; ') || 'no policy permits it'}`;
}

/**
 * The MCP gateway's logic, free of any transport: every tools/call is decided as a `tool_call` before it reaches
 * the upstream, and its result is decided as a `respond` (redacted where policy allows only that) before the agent
 * sees it. Each decision is logged with a receipt before the gateway acts on it.
 */
export class McpGateway {
  private readonly discovered = new Map<string, string>();

  constructor(
    private readonly deps: {
      enforcer: Enforcer;
      active: ActiveBundle;
      catalogue: ToolCatalogue;
      registry: ServerRegistry;
      upstreams: Upstreams;
      audit: AuditLog;
      metrics: GatewayMetrics;
      logger: Logger;
      approvals: ApprovalStore;
      /** How long a held call waits for a person before answering with its approval id (0: not at all). */
      approvalWaitSeconds: number;
    },
  ) {}

  /** Discovers a server's tools and records them in the catalogue (admin's settings kept); the tools it listed. */
  async discover(server: string): Promise<Tool[]> {
    const tools = await this.deps.upstreams.listTools(server);
    const digest = canonicalJson(
      tools.map(({ name, title, description, inputSchema, annotations }) => ({
        name,
        title,
        description,
        inputSchema,
        annotations,
      })),
    );
    if (this.discovered.get(server) !== digest) {
      await this.deps.catalogue.recordDiscovered(
        server,
        tools.map((tool) => ({
          name: tool.name,
          inputSchema: tool.inputSchema as Record<string, unknown>,
          ...(tool.title === undefined ? {} : { title: tool.title }),
          ...(tool.description === undefined ? {} : { description: tool.description }),
          ...(tool.annotations === undefined ? {} : { annotations: tool.annotations }),
        })),
      );
      this.discovered.set(server, digest);
    }
    return tools;
  }

  /**
   * The union of the upstreams' tools, named `<server>.<tool>`, less those the bundle in force denies this agent
   * whatever the call's arguments and context (asked of Cedar by partial evaluation). An upstream that cannot be
   * reached is left out of the list and logged.
   */
  async listTools(caller: GatewayCaller): Promise<Tool[]> {
    const listed: Tool[] = [];
    const engine = this.deps.active.engine;
    for (const server of await this.deps.registry.list()) {
      let tools: Tool[];
      try {
        tools = await this.discover(server.name);
      } catch (error) {
        this.deps.logger.warn(
          { server: server.name, err: (error as Error).message },
          'upstream left out of tools/list',
        );
        continue;
      }
      for (const tool of tools) {
        const id = toolId(server.name, tool.name);
        const entry = await this.deps.catalogue.lookup(id);
        const resource = await this.deps.enforcer.toolResource(id, entry);
        if (engine !== null && !engine.mayAllow({ principal: agentOf(caller), action: 'tool_call', resource }))
          continue;
        listed.push({ ...tool, name: id });
      }
    }
    return listed;
  }

  async callTool(
    caller: GatewayCaller,
    name: string,
    args: Record<string, unknown>,
    options: { onprogress?: (progress: Progress) => void; signal?: AbortSignal } = {},
  ): Promise<CallToolResult> {
    const parts = splitName(name);
    const server = parts === null ? null : await this.deps.registry.find(parts.server);
    if (parts === null || server === null) {
      this.deps.metrics.calls.inc({ server: parts?.server ?? '', tool: parts?.tool ?? name, decision: 'unknown_tool' });
      return refusal(`Unknown tool "${name}": tools are named <server>.<tool> after a registered upstream server`, []);
    }
    const count = (decision: CallOutcome) =>
      this.deps.metrics.calls.inc({ server: parts.server, tool: parts.tool, decision });
    const decisions: CallDecision[] = [];
    const decideOn = async (action: 'tool_call' | 'respond', content: string) => {
      const response = await this.deps.enforcer.evaluate(
        {
          principal: agentOf(caller),
          action,
          resource: { type: 'Tool', id: name },
          context: { tool: name },
          content,
        },
        { userId: caller.userId, apiKeyId: caller.apiKeyId },
        caller.requestId,
        caller.session,
      );
      decisions.push({ decision_id: response.decision_id, action, decision: response.decision });
      return response;
    };

    const content = canonicalJson(args);
    let call = await decideOn('tool_call', content);
    const held = call.obligations.find((obligation) => obligation.type === 'require_human_review');
    if (call.decision === 'deny' && held?.approval_id !== undefined) {
      const verdict = await this.awaitApproval(held.approval_id, options);
      if (verdict.status === 'approved') call = await decideOn('tool_call', content);
      else {
        count('held');
        const asked = `${denialText(call)}. Held for human approval: approval ${held.approval_id}`;
        return refusal(
          verdict.status === 'rejected'
            ? `${asked} was rejected${verdict.reason === null ? '' : `: ${verdict.reason}`}`
            : `${asked} — retry this same call (same arguments) once a person has approved it`,
          decisions,
        );
      }
    }
    if (call.decision === 'deny') {
      count('deny');
      return refusal(denialText(call), decisions);
    }
    let result: ToolResultLike;
    try {
      result = await this.deps.upstreams.callTool(parts.server, parts.tool, args, options);
    } catch (error) {
      count('upstream_error');
      const detail = error instanceof AppError ? error.message : String(error);
      // The call was allowed and logged; that it never completed is on the record too.
      await this.deps.audit.record({
        userId: caller.userId,
        action: 'mcp.upstream_failed',
        resource: `tool:${name}`,
        details: { decision_id: call.decision_id, error: detail.slice(0, 500) },
      });
      return refusal(
        `The tool call was allowed (decision ${call.decision_id}) but did not complete: ${detail}`,
        decisions,
      );
    }

    const delivered = await decideOn('respond', resultText(result));
    if (delivered.decision === 'allow' && delivered.findings.length === 0) {
      count('allow');
      return this.annotated(result, decisions);
    }
    const redaction = delivered.obligations.find((obligation) => obligation.type === 'redact');
    if (redaction !== undefined) {
      // What reaches the agent must itself be allowed: the redacted result is decided again.
      const redacted = redactResult(
        result,
        delivered.findings.filter((f) => f.detector === 'pii' || f.detector === 'secrets'),
      );
      const again = await decideOn('respond', resultText(redacted));
      if (again.decision === 'allow') {
        count('redacted');
        return this.annotated(redacted, decisions);
      }
      count('deny');
      return refusal(`The tool result was withheld, even redacted: ${denialText(again)}`, decisions);
    }
    if (delivered.decision === 'allow') {
      count('allow');
      return this.annotated(result, decisions);
    }
    count('deny');
    return refusal(`The tool result was withheld: ${denialText(delivered)}`, decisions);
  }

  /**
   * Waits up to the configured time for a person to decide a held call, telling the agent it is waiting (as progress,
   * when it asked for progress). Polls the database, so the approval may be given on any instance.
   */
  private async awaitApproval(
    id: string,
    options: { onprogress?: (progress: Progress) => void; signal?: AbortSignal },
  ): Promise<{ status: string; reason: string | null }> {
    const deadline = Date.now() + this.deps.approvalWaitSeconds * 1000;
    let ticks = 0;
    for (;;) {
      const approval = await this.deps.approvals.get(id);
      if (approval.status !== 'pending' || Date.now() >= deadline || options.signal?.aborted === true)
        return { status: approval.status, reason: approval.reason };
      ticks += 1;
      options.onprogress?.({ progress: ticks, message: `waiting for a person to approve (approval ${id})` });
      await new Promise((resolve) => setTimeout(resolve, APPROVAL_POLL_MS));
    }
  }

  private annotated(result: ToolResultLike, decisions: CallDecision[]): CallToolResult {
    const meta = (result['_meta'] as Record<string, unknown> | undefined) ?? {};
    return { ...(result as CallToolResult), _meta: { ...meta, [DECISIONS_META]: decisions } };
  }
}
