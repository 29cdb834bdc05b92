import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance } from 'fastify';
import { constitutionReader } from '../../src/services/ac/constitution-reader.js';
import { buildAndActivateBundle } from '../../src/services/integrity/bundle-builder.js';
import { DECISIONS_META, type CallDecision } from '../../src/services/pgc/mcp/gateway.js';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { startTracing, type Tracing } from '../../src/platform/tracing.js';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { TracedMcpServer } from '../support/traced-mcp-server.js';
import { fakeLlmServer } from '../support/fake-llm.js';
import OpenAI from 'openai';
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { createGuard } from '../../src/sdk/index.js';
import {
  apiKeyFor,
  createTestApp,
  createTestPlatform,
  tokenFor,
  type Backend,
  type TestPlatform,
} from '../support/harness.js';
import { amendConstitution } from '../support/constitution.js';
import { waitFor } from '../support/process.js';

const PLANTED_KEY = 'AKIAIOSFODNN7EXAMPLE';
const SERVER_KIND = 2;

/** A W3C traceparent of the agent's own: a fresh trace, its current span, sampled. */
function agentContext() {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

const decisionsOf = (result: CallToolResult) => (result._meta?.[DECISIONS_META] ?? []) as CallDecision[];
const parentOf = (spanId: string, traceId: string) => (span: ReceivedSpan) =>
  span.traceId === traceId && span.parentSpanId === spanId;

/**
 * Work that runs from a queue (a verification job, a synthesis run) is a root span of its own, linked to the request
 * that asked for it — a child of the person's span, served on `route`. Answers the work's span.
 */
async function rootLinkedToRequest(
  picks: (span: ReceivedSpan) => boolean,
  what: string,
  person: { traceId: string; spanId: string },
  route: string,
): Promise<ReceivedSpan> {
  const span = await receiver.waitFor(picks, what);
  assert.equal(span.parentSpanId, '', 'a root span');
  assert.notEqual(span.traceId, person.traceId);
  const request = await receiver.waitFor(parentOf(person.spanId, person.traceId), `the request behind ${what}`);
  assert.equal(request.name, route);
  assert.deepEqual(span.links, [{ traceId: person.traceId, spanId: request.spanId }]);
  return span;
}

// One receiver and one SDK for the file: the SDK registers itself for the whole process, as it does in `acgs up`.
const receiver = new OtlpReceiver();
let tracing: Tracing | null = null;
before(async () => {
  process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = await receiver.start();
  process.env['OTEL_EXPORTER_OTLP_PROTOCOL'] = 'http/json';
  // Batches go out every 50 ms instead of every 5 s, so a test waits for its spans briefly.
  process.env['OTEL_BSP_SCHEDULE_DELAY'] = '50';
  tracing = await startTracing('acgs-pgc');
  assert.ok(tracing !== null, 'an OTLP endpoint turns tracing on');
});
after(async () => {
  await tracing?.shutdown();
  await receiver.close();
});

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  describe(`OpenTelemetry traces on ${backend}`, () => {
    let env: TestPlatform;
    let pgc: FastifyInstance;
    let integrity: FastifyInstance;
    let auditor: Record<string, string>;
    let agent: { userId: string; headers: Record<string, string> };
    let url: URL;
    const upstream = new TracedMcpServer();
    let llm: Awaited<ReturnType<typeof fakeLlmServer>>;
    const clients: Client[] = [];

    /** An agent's MCP session through the gateway; its HTTP requests carry `traceparent` when given one. */
    const connect = async (traceparent?: string) => {
      const client = new Client({ name: 'traced-agent', version: '1' });
      const headers = { ...agent.headers, ...(traceparent === undefined ? {} : { traceparent }) };
      await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
      clients.push(client);
      return client;
    };

    before(async () => {
      env = await createTestPlatform(backend);
      await (await createTestApp('ac', env.platform)).close();
      pgc = await createTestApp('pgc', env.platform);
      integrity = await createTestApp('integrity', env.platform);
      await buildAndActivateBundle(env.platform, constitutionReader, starterPolicies(), null);
      const admin = (await tokenFor(env.platform, ['admin'])).headers;
      auditor = (await tokenFor(env.platform, ['auditor'])).headers;
      agent = await apiKeyFor(env.platform);
      await pgc.listen({ host: '127.0.0.1', port: 0 });
      const address = pgc.server.address() as { port: number };
      url = new URL(`http://127.0.0.1:${address.port}/mcp`);
      const registered = await pgc.inject({
        method: 'PUT',
        url: '/api/v1/mcp/servers/traced',
        headers: admin,
        payload: { transport: 'http', url: await upstream.start() },
      });
      assert.ok([200, 201].includes(registered.statusCode), registered.body);
      llm = await fakeLlmServer('provider-key');
      const model = await pgc.inject({
        method: 'PUT',
        url: '/api/v1/llm/upstreams/fake',
        headers: admin,
        payload: { base_url: llm.url, credential: 'provider-key', models: ['gpt-test'], timeout_ms: 2000, retries: 0 },
      });
      assert.ok([200, 201].includes(model.statusCode), model.body);
    });
    after(async () => {
      for (const client of clients) await client.close().catch(() => undefined);
      await pgc.close();
      await integrity.close();
      await upstream.close();
      await llm.close();
      await env.cleanup();
    });

    it("an agent's tool call that PGC denies is one trace: the agent's span, execute_tool, the decision with its principle, the log append", async () => {
      const transportTrace = agentContext();
      const call = agentContext();
      const client = await connect(transportTrace.traceparent);
      const result = (await client.callTool({
        name: 'traced.wipe',
        arguments: {},
        _meta: { traceparent: call.traceparent },
      })) as CallToolResult;
      assert.equal(result.isError, true);
      const [decision] = decisionsOf(result);
      assert.equal(decision?.decision, 'deny');
      assert.ok(!upstream.calls.some((seen) => seen.tool === 'wipe'), 'the denied call never reached the upstream');

      // The request's _meta names the agent's span: the gateway's span continues it.
      const tool = await receiver.waitFor(parentOf(call.spanId, call.traceId), 'execute_tool under the agent span');
      assert.equal(tool.name, 'execute_tool traced.wipe');
      assert.equal(tool.service, 'acgs-pgc');
      assert.equal(tool.attributes['gen_ai.operation.name'], 'execute_tool');
      assert.equal(tool.attributes['gen_ai.tool.name'], 'traced.wipe');
      assert.equal(tool.attributes['acgs.mcp.outcome'], 'held');
      const approvalId = /approval ([0-9a-f-]{36})/.exec(JSON.stringify(result.content))?.[1];
      const waited = await receiver.waitFor(
        (span) => parentOf(tool.spanId, call.traceId)(span) && span.name === 'acgs.approval.wait',
        'the wait for a person',
      );
      assert.equal(waited.attributes['acgs.approval_id'], approvalId);
      assert.equal(waited.attributes['acgs.approval.status'], 'pending');

      const decided = await receiver.waitFor(parentOf(tool.spanId, call.traceId), 'the decision under execute_tool');
      assert.equal(decided.name, 'acgs.decide tool_call');
      assert.equal(decided.attributes['acgs.decision'], 'deny');
      assert.equal(decided.attributes['acgs.decision_id'], decision!.decision_id);
      assert.ok(
        (decided.attributes['acgs.principles'] as string[]).includes('human-approval-for-high-risk-tools'),
        JSON.stringify(decided.attributes),
      );
      assert.match(String(decided.attributes['acgs.bundle_hash']), /^[0-9a-f]{64}$/);
      assert.match(String(decided.attributes['acgs.constitution_hash']), /^[0-9a-f]{64}$/);
      assert.deepEqual(decided.attributes['acgs.obligations'], ['require_human_review']);

      // The durable append is an event on the decision's span: where the decision landed in the log.
      const appended = decided.events.find((event) => event.name === 'acgs.audit.append');
      assert.ok(appended, JSON.stringify(decided.events));
      assert.equal(appended.attributes['acgs.decision_id'], decision!.decision_id);
      assert.equal(typeof appended.attributes['acgs.audit.wait_ms'], 'number');
      const [row] = await env.platform.db.query<{ leaf_index: string | number }>(
        'SELECT leaf_index FROM audit_logs WHERE resource = $1',
        [`decision:${decision!.decision_id}`],
      );
      assert.equal(appended.attributes['acgs.audit.leaf_index'], Number(row!.leaf_index));

      // The decision's record and its receipt name the trace; the decisions list finds the trace's decisions.
      const stored = await pgc.inject({
        method: 'GET',
        url: `/api/v1/enforcement/decisions/${decision!.decision_id}`,
        headers: auditor,
      });
      assert.equal(stored.json().trace_id, call.traceId, stored.body);
      const receipt = await integrity.inject({
        method: 'GET',
        url: `/api/v1/audit/receipts/${decision!.decision_id}`,
        headers: auditor,
      });
      assert.equal(receipt.json().entry.details.trace_id, call.traceId, receipt.body);
      const listed = await pgc.inject({
        method: 'GET',
        url: `/api/v1/enforcement/decisions?trace_id=${call.traceId}`,
        headers: auditor,
      });
      assert.deepEqual(
        listed.json().items.map((item: { id: string }) => item.id),
        [decision!.decision_id],
      );
      const malformed = await pgc.inject({
        method: 'GET',
        url: '/api/v1/enforcement/decisions?trace_id=not-a-trace',
        headers: auditor,
      });
      assert.equal(malformed.statusCode, 400);
      assert.match(malformed.json().detail, /trace_id/);

      // The HTTP request that carried the call is a server span in the transport's own trace.
      const server = await receiver.waitFor(
        (span) => span.traceId === transportTrace.traceId && span.name === 'POST /mcp',
        'the /mcp server span',
      );
      assert.equal(server.kind, SERVER_KIND);
      assert.equal(server.parentSpanId, transportTrace.spanId);
    });

    it('a verification job is a trace of its own, with its verdict', async () => {
      const fv = await createTestApp('fv', env.platform);
      try {
        const person = agentContext();
        const asked = await fv.inject({
          method: 'POST',
          url: '/api/v1/verify/policy?wait=30',
          headers: { ...auditor, traceparent: person.traceparent },
          payload: {
            policy: { id: 'traced-permit', text: 'permit(principal, action == Action::"generate", resource);' },
            mode: 'add',
          },
        });
        assert.equal(asked.statusCode, 200, asked.body);
        const job = asked.json<{ id: string; verdict: string }>();
        const span = await rootLinkedToRequest(
          (candidate) => candidate.attributes['acgs.job.id'] === job.id,
          'the verification job span',
          person,
          'POST /api/v1/verify/policy',
        );
        assert.equal(span.name, 'acgs.verify policy');
        assert.equal(span.attributes['acgs.verify.verdict'], job.verdict);
        assert.equal(span.attributes['acgs.job.status'], 'done');
      } finally {
        await fv.close();
      }
    });

    it('a synthesis run is a trace of its own, linked to the request that queued it', async () => {
      const gs = await createTestApp('gs', env.platform);
      try {
        const person = agentContext();
        const editor = (await tokenFor(env.platform, ['policy_manager'])).headers;
        const queued = await gs.inject({
          method: 'POST',
          url: '/api/v1/synthesize/policy',
          headers: { ...editor, traceparent: person.traceparent },
          payload: { principle_ids: ['human-approval-for-high-risk-tools'] },
        });
        assert.equal(queued.statusCode, 202, queued.body);
        const run = queued.json<Record<string, unknown>>();
        assert.ok(!('traceparent' in run), 'the trace context is kept with the run, never shown');
        const span = await rootLinkedToRequest(
          (candidate) => candidate.attributes['acgs.synthesis.run_id'] === run['id'],
          'the synthesis run span',
          person,
          'POST /api/v1/synthesize/policy',
        );
        assert.equal(span.name, 'acgs.synthesize');
      } finally {
        await gs.close();
      }
    });

    it("the governance loop's run for an enacted version links to the vote that enacted it", async () => {
      const [ac, gs] = [await createTestApp('ac', env.platform), await createTestApp('gs', env.platform)];
      try {
        const council = agentContext();
        const enacted = await amendConstitution(
          ac,
          env.platform,
          [
            {
              op: 'add_principle',
              principle: {
                key: 'traced-injection-ceiling',
                title: 'No generation on near-certain injection',
                description: 'A prompt that is almost surely an injection is not sent to a model.',
                category: 'security',
                priority: 80,
                scope: { actions: ['generate'], resource_types: ['Model'] },
                normative_statement: 'The system must not generate on input whose injection score is 95 or more.',
                rationale: 'Injected instructions subvert every other rule.',
                constraints: [
                  {
                    effect: 'forbid',
                    actions: ['generate'],
                    when: [{ attr: 'context.injection_score', op: 'gte', value: 95 }],
                  },
                ],
              },
            },
          ],
          { traceparent: council.traceparent },
        );
        // The run this database's loop queued for the version (the other backend's has the same version number).
        const editor = (await tokenFor(env.platform, ['policy_manager'])).headers;
        let runId: string | undefined;
        await waitFor(
          async () => {
            const runs = (await gs.inject({ method: 'GET', url: '/api/v1/synthesize/runs', headers: editor })).json<{
              items: { id: string; triggered_by_version: number | null }[];
            }>().items;
            runId = runs.find((run) => run.triggered_by_version === enacted.version)?.id;
            return runId !== undefined;
          },
          30_000,
          'the loop run',
        );
        const span = await receiver.waitFor(
          (candidate) => candidate.attributes['acgs.synthesis.run_id'] === runId,
          'the loop run span',
          30_000,
        );
        assert.equal(span.parentSpanId, '', 'a root span');
        // The last vote enacted it: its request span, in the council's trace, is what the run links to.
        assert.equal(span.links.length, 1, JSON.stringify(span.links));
        assert.equal(span.links[0]!.traceId, council.traceId);
        const vote = await receiver.waitFor(
          (candidate) => candidate.spanId === span.links[0]!.spanId,
          'the request the run links to',
        );
        assert.equal(vote.parentSpanId, council.spanId);
        assert.equal(vote.name, 'POST /api/v1/constitutional-council/amendments/:id/vote');
      } finally {
        await gs.close();
        await ac.close();
      }
    });

    it('a malformed traceparent starts a trace of its own and changes nothing else', async () => {
      for (const traceparent of [
        '00-nothex-0123456789abcdef-01',
        `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`,
        'x'.repeat(600),
      ]) {
        const evaluated = await pgc.inject({
          method: 'POST',
          url: '/api/v1/enforcement/evaluate',
          headers: { ...agent.headers, traceparent },
          payload: {
            principal: { type: 'Agent', id: 'traced' },
            action: 'generate',
            resource: { type: 'Model', id: 'm' },
            content: 'Write a haiku about autumn.',
          },
        });
        assert.equal(evaluated.statusCode, 200, evaluated.body);
        // A request that is one decision is traced on its own span: the decision's attributes are the request span's.
        const server = await receiver.waitFor(
          (span) => span.attributes['acgs.decision_id'] === evaluated.json().decision_id,
          `the decision under ${traceparent.slice(0, 20)}`,
        );
        assert.equal(server.name, 'POST /api/v1/enforcement/evaluate');
        assert.equal(server.parentSpanId, '', 'the request span is a root');
        assert.match(server.traceId, /^[0-9a-f]{32}$/);
        assert.notEqual(server.traceId, '0'.repeat(32));
      }
    });

    it("the TypeScript SDK's guard carries the app's trace into its decisions", async () => {
      const app = agentContext();
      const guard = createGuard({ url: url.origin, apiKey: agent.headers['x-api-key']! });
      const appSpan = trace.wrapSpanContext({
        traceId: app.traceId,
        spanId: app.spanId,
        traceFlags: TraceFlags.SAMPLED,
      });
      const decided = await context.with(trace.setSpan(ROOT_CONTEXT, appSpan), () =>
        guard.check({
          principal: { type: 'Agent', id: 'sdk' },
          action: 'generate',
          resource: { type: 'Model', id: 'm' },
          content: 'Write a haiku about autumn.',
        }),
      );
      const server = await receiver.waitFor(parentOf(app.spanId, app.traceId), 'the evaluate under the app span');
      assert.equal(server.name, 'POST /api/v1/enforcement/evaluate');
      assert.equal(server.attributes['acgs.decision_id'], decided.decision_id);
    });

    it('continues the trace to an upstream MCP server over HTTP, in its headers and in the request _meta', async () => {
      const call = agentContext();
      const client = await connect();
      const result = (await client.callTool({
        name: 'traced.echo',
        arguments: { text: 'hello' },
        _meta: { traceparent: call.traceparent },
      })) as CallToolResult;
      assert.notEqual(result.isError, true, JSON.stringify(result));
      const tool = await receiver.waitFor(parentOf(call.spanId, call.traceId), 'execute_tool traced.echo');
      assert.equal(tool.attributes['acgs.mcp.outcome'], 'allow');
      const seen = upstream.calls.find((entry) => entry.tool === 'echo');
      assert.ok(seen !== undefined, 'the upstream was called');
      const expected = new RegExp(`^00-${call.traceId}-${tool.spanId}-01$`);
      assert.match(seen.header ?? '', expected, 'traceparent header');
      assert.match(seen.meta ?? '', expected, 'traceparent in _meta');
      const decided = receiver.spans.filter(parentOf(tool.spanId, call.traceId)).map((span) => span.name);
      assert.deepEqual(decided.sort(), ['acgs.decide respond', 'acgs.decide tool_call']);
    });

    it('never exports a secret: findings leave as kinds and counts, and log lines name their trace', async () => {
      const call = agentContext();
      const client = await connect();
      const echoed = (await client.callTool({
        name: 'traced.echo',
        arguments: { text: `deploy with aws_access_key_id=${PLANTED_KEY}` },
        _meta: { traceparent: call.traceparent },
      })) as CallToolResult;
      assert.ok(!JSON.stringify(echoed.content).includes(PLANTED_KEY), 'the agent gets it redacted');
      const tool = await receiver.waitFor(parentOf(call.spanId, call.traceId), 'execute_tool with a secret');

      // The decision API, traced by its HTTP header.
      const api = agentContext();
      const evaluated = await pgc.inject({
        method: 'POST',
        url: '/api/v1/enforcement/evaluate',
        headers: { ...agent.headers, traceparent: api.traceparent },
        payload: {
          principal: { type: 'Agent', id: 'traced' },
          action: 'respond',
          resource: { type: 'Model', id: 'm' },
          content: `the key is ${PLANTED_KEY}`,
        },
      });
      assert.equal(evaluated.statusCode, 200, evaluated.body);
      const server = await receiver.waitFor(parentOf(api.spanId, api.traceId), 'the evaluate server span');
      assert.equal(server.name, 'POST /api/v1/enforcement/evaluate');
      assert.equal(server.attributes['http.response.status_code'], 200);
      // One request, one decision: its attributes, findings and log append are the request span's, and no span under it.
      assert.equal(server.attributes['acgs.decision_id'], evaluated.json().decision_id);
      assert.equal(server.attributes['acgs.decision'], evaluated.json().decision);
      assert.deepEqual(
        server.events.filter((event) => event.name === 'acgs.finding').map((event) => event.attributes),
        [{ 'acgs.finding.detector': 'secrets', 'acgs.finding.kind': 'aws_access_key', 'acgs.finding.count': 1 }],
      );
      const [row] = await env.platform.db.query<{ leaf_index: string | number }>(
        'SELECT leaf_index FROM audit_logs WHERE resource = $1',
        [`decision:${evaluated.json().decision_id}`],
      );
      assert.equal(
        server.events.find((event) => event.name === 'acgs.audit.append')?.attributes['acgs.audit.leaf_index'],
        Number(row!.leaf_index),
      );
      assert.deepEqual(receiver.spans.filter(parentOf(server.spanId, api.traceId)), []);

      const exported = receiver.bodies.join('\n');
      assert.ok(exported.includes(tool.spanId) || exported.includes(call.traceId), 'the bodies were read');
      assert.ok(!exported.includes(PLANTED_KEY), 'the planted key is in no exported span');
      assert.ok(!exported.includes('AKIA'), 'nor any part of it');

      const lines = env.logs.filter((line) => line['trace_id'] === api.traceId);
      assert.ok(lines.length > 0, 'the request line names its trace');
      assert.ok(
        lines.every((line) => typeof line['span_id'] === 'string' && /^[0-9a-f]{16}$/.test(String(line['span_id']))),
      );
    });

    it("an exchange through the LLM gateway is a chat span in the app's trace, streamed or not, its trace continued at the provider", async () => {
      for (const stream of [false, true]) {
        const app = agentContext();
        const openai = new OpenAI({
          baseURL: url.href.replace(/\/mcp$/, '/v1'),
          apiKey: agent.headers['x-api-key']!,
          maxRetries: 0,
          defaultHeaders: { traceparent: app.traceparent },
        });
        llm.script([{ content: `Card ${'4111 1111 1111 1111'} on file.` }]);
        const messages = [{ role: 'user' as const, content: `my key is ${PLANTED_KEY}, summarise` }];
        let text = '';
        if (stream) {
          const chunks = await openai.chat.completions.create({
            model: 'fake/gpt-test',
            messages,
            stream: true,
            stream_options: { include_usage: true },
          });
          for await (const chunk of chunks) text += chunk.choices[0]?.delta.content ?? '';
        } else {
          text = (await openai.chat.completions.create({ model: 'fake/gpt-test', messages })).choices[0]!.message
            .content!;
        }
        assert.ok(!text.includes('4111 1111 1111 1111'), text);
        const server = await receiver.waitFor(
          parentOf(app.spanId, app.traceId),
          `the /v1 server span (stream ${stream})`,
        );
        const chat = await receiver.waitFor(parentOf(server.spanId, app.traceId), `the chat span (stream ${stream})`);
        assert.equal(chat.name, 'chat fake/gpt-test');
        assert.equal(chat.attributes['gen_ai.operation.name'], 'chat');
        assert.equal(chat.attributes['gen_ai.request.model'], 'fake/gpt-test');
        assert.equal(chat.attributes['acgs.llm.upstream'], 'fake');
        assert.equal(typeof chat.attributes['gen_ai.usage.output_tokens'], 'number');
        assert.ok(['redacted', 'allow'].includes(String(chat.attributes['acgs.llm.outcome'])), JSON.stringify(chat));
        // The prompt's decision and the answer's, whichever step of the stream made them, are the chat span's children.
        await receiver.waitFor(
          (span) => parentOf(chat.spanId, app.traceId)(span) && span.name === 'acgs.decide respond',
          `the answer's decision (stream ${stream})`,
        );
        const decided = receiver.spans.filter(parentOf(chat.spanId, app.traceId)).map((span) => span.name);
        assert.ok(decided.includes('acgs.decide generate'), decided.join(', '));
        const forwarded = llm.requests.at(-1)!;
        assert.match(forwarded.traceparent ?? '', new RegExp(`^00-${app.traceId}-${chat.spanId}-01$`));
        assert.ok(!forwarded.messages[0]!.content.includes(PLANTED_KEY), 'the prompt went redacted');
      }
      const exported = receiver.bodies.join('\n');
      // The whole card, spaced or not: its first four digits alone can occur in any hex id or timestamp.
      for (const leak of [PLANTED_KEY, '4111 1111 1111 1111', '4111111111111111', 'summarise'])
        assert.ok(!exported.includes(leak), `no content in any span: ${leak}`);
    });
  });
}
