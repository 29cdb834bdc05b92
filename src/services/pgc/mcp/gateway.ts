import type { Span } from '@opentelemetry/api';
import { contextFrom, inSpan } from '../../../platform/tracing.js';
import type { CallToolResult, Progress, Tool } from '@modelcontextprotocol/sdk/types.js';
import client from 'prom-client';
import { canonicalJson } from '../../../domain/canonical-json.js';
import type { EntityRef } from '../../../domain/enforcement/engine.js';
import type { DecisionReasonCode } from '../../../domain/error-codes.js';
import { toolId } from '../../../domain/tools/catalogue.js';
import type { ToolDefinition } from '../../../domain/tools/definition.js';
import { lookalikeOf } from '../../../domain/tools/names.js';
import { redactResult, resultText, type ToolResultLike } from '../../../domain/tools/results.js';
import { isRedactable } from '../../../domain/detectors/redact.js';
import { AppError } from '../../../domain/errors.js';
import type { AuditLog } from '../../../platform/audit/log.js';
import type { Logger } from '../../../platform/logger.js';
import type { ActiveBundle } from '../enforcement/active-bundle.js';
import type { ApprovalStore } from '../enforcement/approval-store.js';
import { denialText } from '../enforcement/denial.js';
import type { DecisionResponse, Enforcer } from '../enforcement/enforcer.js';
import type { EnforcementSession } from '../enforcement/session-store.js';
import type { DiscoveryChange, ToolCatalogue } from '../enforcement/tool-catalogue.js';
import { OutputSchemas } from './output-schemas.js';
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

export type CallOutcome =
  'allow' | 'deny' | 'held' | 'redacted' | 'upstream_error' | 'unknown_tool' | 'definition_changed' | 'too_large';

const APPROVAL_POLL_MS = 500;

export interface GatewayMetrics {
  calls: client.Counter<'server' | 'tool' | 'decision'>;
}

export function createGatewayMetrics(registry: client.Registry): GatewayMetrics {
  return {
    calls: new client.Counter({
      name: 'acgs_mcp_calls_total',
      help: 'Tool calls through the MCP gateway by upstream server, tool and outcome (allow, deny, held, redacted, upstream_error, unknown_tool, definition_changed, too_large)',
      labelNames: ['server', 'tool', 'decision'] as const,
      registers: [registry],
    }),
  };
}

const agentOf = (caller: GatewayCaller): EntityRef => ({ type: 'Agent', id: caller.userId });

/** A tool as its server defines it: what is pinned and compared. */
const definitionOf = (tool: Tool): ToolDefinition => ({
  name: tool.name,
  inputSchema: tool.inputSchema as Record<string, unknown>,
  ...(tool.title === undefined ? {} : { title: tool.title }),
  ...(tool.description === undefined ? {} : { description: tool.description }),
  ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema as Record<string, unknown> }),
  ...(tool.annotations === undefined ? {} : { annotations: tool.annotations }),
});

const splitName = (name: string): { server: string; tool: string } | null => {
  const dot = name.indexOf('.');
  return dot <= 0 ? null : { server: name.slice(0, dot), tool: name.slice(dot + 1) };
};

function refusal(text: string, decisions: CallDecision[]): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }], _meta: { [DECISIONS_META]: decisions } };
}

/** A denial as the MCP gateway words it in a tool result. */
const denied = (response: DecisionResponse) => `Denied by ACGS policy — ${denialText(response)}`;

/**
 * The MCP gateway's logic, free of any transport: every tools/call is decided as a `tool_call` before it reaches
 * the upstream, and its result is decided as a `respond` (redacted where policy allows only that) before the agent
 * sees it. Each decision is logged with a receipt before the gateway acts on it.
 */
export class McpGateway {
  /** Each upstream's tools as its last tools/list gave them, by exact name: the only names ever forwarded. */
  private readonly listed = new Map<string, Map<string, Tool>>();
  /** The definitions each server last gave, as recorded in the catalogue by this instance. */
  private readonly recorded = new Map<string, string>();
  private readonly outputSchemas = new OutputSchemas();

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

  /**
   * Asks a server for its tools and records them in the catalogue: new tools are pinned, a changed definition waits
   * for an admin (audited once per change). Returns the tools it listed.
   */
  async discover(server: string): Promise<Tool[]> {
    const tools = await this.deps.upstreams.listTools(server);
    const definitions = tools.map(definitionOf);
    // Every tools/list asks every upstream: the catalogue is written only when a server's answer changed.
    const digest = canonicalJson(definitions);
    const changes =
      this.recorded.get(server) === digest
        ? new Map<string, DiscoveryChange>()
        : await this.deps.catalogue.recordDiscovered(server, definitions);
    this.recorded.set(server, digest);
    for (const [name, change] of changes) {
      if (change !== 'changed' && change !== 'restored') continue;
      const id = toolId(server, name);
      const entry = await this.deps.catalogue.get(id);
      await this.deps.audit.record({
        userId: null,
        action: change === 'changed' ? 'mcp.tool_definition_changed' : 'mcp.tool_definition_restored',
        resource: `tool:${id}`,
        details: { pinned_digest: entry.definition.digest, pending_digest: entry.definition.pending_digest },
      });
      if (change === 'changed')
        this.deps.logger.warn(
          { tool: id, pinned: entry.definition.digest, pending: entry.definition.pending_digest },
          'upstream changed a pinned tool definition: hidden and refused until an admin approves it',
        );
    }
    this.listed.set(server, new Map(tools.map((tool) => [tool.name, tool])));
    return tools;
  }

  /** The server's tools from its last tools/list in this process, asking it now if it was never asked. */
  private async listing(server: string): Promise<Map<string, Tool>> {
    const known = this.listed.get(server);
    if (known !== undefined) return known;
    await this.discover(server);
    return this.listed.get(server)!;
  }

  /**
   * The union of the upstreams' tools, named `<server>.<tool>`, less tools whose definition changed since it was
   * pinned and those the bundle in force denies this agent whatever the call's arguments and context (asked of Cedar
   * by partial evaluation). An upstream that cannot be reached is left out of the list and logged.
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
        if (entry === null || entry.definition.status !== 'pinned') continue;
        const resource = this.deps.enforcer.toolResource(id, entry);
        if (engine !== null && !engine.mayAllow({ principal: agentOf(caller), action: 'tool_call', resource }))
          continue;
        listed.push({ ...tool, name: id });
      }
    }
    return listed;
  }

  /**
   * Governs one tool call, as an `execute_tool` span (OpenTelemetry GenAI conventions) that continues the agent's
   * trace when the request's `_meta` carries one (`traceparent`), else the HTTP request's.
   */
  async callTool(
    caller: GatewayCaller,
    name: string,
    args: Record<string, unknown>,
    options: { onprogress?: (progress: Progress) => void; signal?: AbortSignal; meta?: Record<string, unknown> } = {},
  ): Promise<CallToolResult> {
    return inSpan(
      `execute_tool ${name}`,
      {
        parent: contextFrom(options.meta),
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': name,
          'gen_ai.tool.call.id': caller.requestId,
          'mcp.method.name': 'tools/call',
        },
      },
      (span) => this.governCall(caller, name, args, options, span),
    );
  }

  private async governCall(
    caller: GatewayCaller,
    name: string,
    args: Record<string, unknown>,
    options: { onprogress?: (progress: Progress) => void; signal?: AbortSignal },
    span: Span,
  ): Promise<CallToolResult> {
    const parts = splitName(name);
    const count = (decision: CallOutcome) => {
      span.setAttribute('acgs.mcp.outcome', decision);
      this.deps.metrics.calls.inc({ server: parts?.server ?? '', tool: parts?.tool ?? name, decision });
    };
    const decisions: CallDecision[] = [];
    const who = { userId: caller.userId, apiKeyId: caller.apiKeyId };
    const asked = (action: 'tool_call' | 'respond') => ({
      principal: agentOf(caller),
      action,
      resource: { type: 'Tool', id: name },
      context: { tool: name },
    });
    /** A call refused before any policy is asked: logged as a deny with its reason, never forwarded. */
    const refuse = async (
      outcome: CallOutcome,
      action: 'tool_call' | 'respond',
      code: DecisionReasonCode,
      message: string,
    ) => {
      const response = await this.deps.enforcer.refuse(
        asked(action),
        { error_code: code, message },
        who,
        caller.requestId,
        caller.session,
      );
      decisions.push({ decision_id: response.decision_id, action, decision: 'deny' });
      count(outcome);
      return refusal(`${message} (decision ${response.decision_id})`, decisions);
    };
    const decideOn = async (action: 'tool_call' | 'respond', content: string) => {
      const response = await this.deps.enforcer.evaluate(
        { ...asked(action), content },
        who,
        caller.requestId,
        caller.session,
      );
      decisions.push({ decision_id: response.decision_id, action, decision: response.decision });
      return response;
    };

    const server = parts === null ? null : await this.deps.registry.find(parts.server);
    if (parts === null || server === null)
      return refuse(
        'unknown_tool',
        'tool_call',
        'UNKNOWN_TOOL',
        `Unknown tool "${name}": tools are named <server>.<tool> after a registered upstream server`,
      );
    let listing: Map<string, Tool>;
    try {
      listing = await this.listing(parts.server);
    } catch (error) {
      count('upstream_error');
      return refusal(`The tool call did not complete: ${(error as Error).message}`, decisions);
    }
    // Only an exact name is forwarded. A lookalike (case, spaces, invisible or compatibility characters) is named
    // in the refusal, never mapped to the tool it resembles: an upstream may resolve names loosely, we do not.
    if (!listing.has(parts.tool)) {
      const resembles = lookalikeOf(parts.tool, [...listing.keys()]);
      return refuse(
        'unknown_tool',
        'tool_call',
        'UNKNOWN_TOOL',
        `Unknown tool "${name}": "${parts.server}" lists no tool of exactly that name` +
          (resembles === null ? '' : `; it resembles "${toolId(parts.server, resembles)}", which is not the same name`),
      );
    }
    const entry = await this.deps.catalogue.lookup(name);
    if (entry === null || entry.definition.status !== 'pinned')
      return refuse(
        'definition_changed',
        'tool_call',
        'TOOL_DEFINITION_CHANGED',
        `Tool "${name}" changed its definition since it was catalogued; an admin must review and approve the change before it can be called`,
      );

    const content = canonicalJson(args);
    const oversized = this.deps.enforcer.contentTooLarge(content);
    if (oversized !== null) return refuse('too_large', 'tool_call', 'CONTENT_TOO_LARGE', `The arguments: ${oversized}`);
    let call = await decideOn('tool_call', content);
    const held = call.obligations.find((obligation) => obligation.type === 'require_human_review');
    if (call.decision === 'deny' && held?.approval_id !== undefined) {
      // How long the agent waited on a person shows in its trace, with what the person decided.
      const verdict = await inSpan(
        'acgs.approval.wait',
        { attributes: { 'acgs.approval_id': held.approval_id } },
        async (waiting) => {
          const answered = await this.awaitApproval(held.approval_id!, options);
          waiting.setAttribute('acgs.approval.status', answered.status);
          return answered;
        },
      );
      if (verdict.status === 'approved') call = await decideOn('tool_call', content);
      else {
        count('held');
        const asked = `${denied(call)}. Held for human approval: approval ${held.approval_id}`;
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
      return refusal(denied(call), decisions);
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

    const text = resultText(result);
    const oversizedResult = this.deps.enforcer.contentTooLarge(text);
    if (oversizedResult !== null)
      return refuse('too_large', 'respond', 'CONTENT_TOO_LARGE', `The tool result was withheld: ${oversizedResult}`);
    const delivered = await decideOn('respond', text);
    if (delivered.decision === 'allow' && delivered.findings.length === 0) {
      count('allow');
      return this.annotated(result, decisions);
    }
    const redaction = delivered.obligations.find((obligation) => obligation.type === 'redact');
    const outputSchema = listing.get(parts.tool)?.outputSchema as Record<string, unknown> | undefined;
    if (redaction !== undefined) {
      // What reaches the agent must itself be allowed: the redacted result is decided again.
      const redacted = redactResult(
        result,
        delivered.findings.filter(isRedactable),
        outputSchema === undefined ? {} : { conforms: this.outputSchemas.conforms(outputSchema) },
      );
      const again = await decideOn('respond', resultText(redacted));
      if (again.decision === 'allow') {
        count('redacted');
        return this.annotated(redacted, decisions);
      }
      count('deny');
      return refusal(`The tool result was withheld, even redacted: ${denied(again)}`, decisions);
    }
    if (delivered.decision === 'allow') {
      count('allow');
      return this.annotated(result, decisions);
    }
    count('deny');
    return refusal(`The tool result was withheld: ${denied(delivered)}`, decisions);
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
