// The LLM gateway's cost, in one run against the same fake provider called directly and through the gateway with the
// real openai client: sequential non-streamed completions (added p50/p99), and streamed 2,000-token answers (time to
// first token beside the hold-back window, mean overhead per chunk, throughput). Prints figures; asserts nothing.
import { rmSync } from 'node:fs';
import OpenAI from 'openai';
import { HOLD_BACK_CHARS, RELEASE_STEP_CHARS } from '../src/domain/llm/held-text.js';
import { fakeLlmServer } from '../test/support/fake-llm.js';
import { cpuSecondsOf } from './cpu.js';
import { agentKey, json, login, REDIS_URL, startStack, stopStack, withPostgresSchema } from './stack.js';

const CALLS = Number(process.env['BENCH_LLM_CALLS'] ?? '400');
const STREAMS = Number(process.env['BENCH_LLM_STREAMS'] ?? '20');
const BLOCK = 50;
/** A 2,000-token answer as providers stream it: 8,000 characters in pieces of four. */
const LONG_ANSWER = 'The committee met on a quiet morning and went through the agenda item by item. '
  .repeat(102)
  .slice(0, 8000);
const FIRST_RELEASE = HOLD_BACK_CHARS + RELEASE_STEP_CHARS;

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);
const ms = (value: number) => value.toFixed(2).padStart(8);

interface StreamTiming {
  firstText: number;
  /** When the first FIRST_RELEASE characters had arrived: the earliest the gateway may release anything. */
  window: number;
  total: number;
  chunks: number;
}

async function streamed(client: OpenAI, model: string): Promise<StreamTiming> {
  const started = performance.now();
  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Tell me about the meeting.' }],
    stream: true,
  });
  let firstText = 0;
  let window = 0;
  let received = 0;
  let chunks = 0;
  for await (const chunk of stream) {
    const content = chunk.choices[0]?.delta.content ?? '';
    if (content === '') continue;
    chunks += 1;
    if (firstText === 0) firstText = performance.now() - started;
    received += content.length;
    if (window === 0 && received >= FIRST_RELEASE) window = performance.now() - started;
  }
  if (received !== LONG_ANSWER.length) throw new Error(`streamed ${received} of ${LONG_ANSWER.length} characters`);
  return { firstText, window, total: performance.now() - started, chunks };
}

async function measure(label: string, extraEnv: Record<string, string>): Promise<void> {
  const stack = await startStack(extraEnv);
  const upstream = await fakeLlmServer('bench-provider-key');
  try {
    const [authUrl, , , , , pgcUrl] = stack.urls as [string, string, string, string, string, string];
    const admin = await login(authUrl);
    const key = await agentKey(authUrl, admin, 'llm-bench@example.com');
    await json(`${pgcUrl}/api/v1/llm/upstreams/fake`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        base_url: upstream.url,
        credential: 'bench-provider-key',
        models: ['gpt-bench'],
        timeout_ms: 60_000,
        retries: 0,
      }),
    });
    const direct = new OpenAI({ baseURL: upstream.url, apiKey: 'bench-provider-key', maxRetries: 0 });
    const gateway = new OpenAI({ baseURL: `${pgcUrl}/v1`, apiKey: key, maxRetries: 0 });
    const complete = async (client: OpenAI, model: string) => {
      const started = performance.now();
      await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'What is the capital of France?' }],
      });
      return performance.now() - started;
    };

    upstream.script(Array.from({ length: 2 * (CALLS + 30) }, () => ({ content: 'Paris is the capital of France.' })));
    for (let i = 0; i < 30; i += 1) {
      await complete(direct, 'gpt-bench');
      await complete(gateway, 'fake/gpt-bench');
    }
    const plain = { direct: [] as number[], gateway: [] as number[] };
    // Alternating blocks, so drift on a noisy machine falls on both alike.
    for (let done = 0; done < CALLS; done += BLOCK) {
      for (let i = 0; i < BLOCK; i += 1) plain.direct.push(await complete(direct, 'gpt-bench'));
      for (let i = 0; i < BLOCK; i += 1) plain.gateway.push(await complete(gateway, 'fake/gpt-bench'));
    }
    const [d, g] = [sorted(plain.direct), sorted(plain.gateway)] as [number[], number[]];
    console.log(`\n-- ${label}: ${plain.direct.length} sequential non-streamed completions each way --`);
    console.log('                 p50 ms    p99 ms');
    console.log(`direct         ${ms(percentile(d, 50))}  ${ms(percentile(d, 99))}`);
    console.log(`gateway        ${ms(percentile(g, 50))}  ${ms(percentile(g, 99))}`);
    console.log(
      `added          ${ms(percentile(g, 50) - percentile(d, 50))}  ${ms(percentile(g, 99) - percentile(d, 99))}   (goal p50 ≤ 5 ms, p99 ≤ 15 ms)`,
    );

    upstream.script(Array.from({ length: 2 * (STREAMS + 3) }, () => ({ content: LONG_ANSWER })));
    for (let i = 0; i < 3; i += 1) {
      await streamed(direct, 'gpt-bench');
      await streamed(gateway, 'fake/gpt-bench');
    }
    const runs = { direct: [] as StreamTiming[], gateway: [] as StreamTiming[] };
    let stackCpu = 0;
    for (let i = 0; i < STREAMS; i += 1) {
      runs.direct.push(await streamed(direct, 'gpt-bench'));
      const before = cpuSecondsOf(stack.child.pid!);
      runs.gateway.push(await streamed(gateway, 'fake/gpt-bench'));
      stackCpu += cpuSecondsOf(stack.child.pid!) - before;
    }
    const median = (list: StreamTiming[], pick: (timing: StreamTiming) => number) =>
      percentile(sorted(list.map(pick)), 50);
    const directTotal = median(runs.direct, (t) => t.total);
    const gatewayTotal = median(runs.gateway, (t) => t.total);
    const directWindow = median(runs.direct, (t) => t.window);
    const gatewayFirst = median(runs.gateway, (t) => t.firstText);
    const chunks = median(runs.direct, (t) => t.chunks);
    console.log(
      `\n-- ${label}: ${STREAMS} streamed answers of ${LONG_ANSWER.length} characters (${chunks} chunks) each way, medians --`,
    );
    console.log(
      `time to first token: direct ${ms(median(runs.direct, (t) => t.firstText))} ms; gateway ${ms(gatewayFirst)} ms`,
    );
    console.log(
      `hold-back window (the first ${FIRST_RELEASE} characters arriving, direct): ${ms(directWindow)} ms; gateway's first token beyond it: ${ms(gatewayFirst - directWindow)} ms (goal ≤ 5 ms)`,
    );
    console.log(
      `whole answer: direct ${ms(directTotal)} ms; gateway ${ms(gatewayTotal)} ms; throughput gateway ÷ direct ${(directTotal / gatewayTotal).toFixed(3)}× (goal ≥ 0.9; the gateway passes text on in steps of at least ${RELEASE_STEP_CHARS} characters, so its client parses fewer events)`,
    );
    const upstreamChunks = LONG_ANSWER.length / 4;
    console.log(
      `stack CPU per upstream chunk, the exchange's decisions included: ${((stackCpu / (STREAMS * upstreamChunks)) * 1e6).toFixed(1)} µs mean over ${STREAMS} answers (goal p50 ≤ 50 µs)`,
    );
  } finally {
    await upstream.close();
    await stopStack(stack);
    rmSync(stack.dataDir, { recursive: true, force: true });
  }
}

export async function llmBenchmarks(): Promise<void> {
  console.log('\n== LLM gateway: added latency and streaming cost against the same fake provider called directly ==');
  await measure('PGlite', {});
  await withPostgresSchema((url) => measure('PostgreSQL + Redis', { DATABASE_URL: url, REDIS_URL }));
}
