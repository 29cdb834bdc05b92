// What OpenTelemetry tracing costs the decision API: evaluate with unique content on PostgreSQL + Redis, the same
// stack started with tracing off and with every request traced (always_on, exported over OTLP/HTTP to a local sink
// of its own that accepts and discards), alternated so drift on a noisy machine falls on both alike.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  describeLoad,
  login,
  REDIS_URL,
  SECONDS,
  startStack,
  stopStack,
  uniqueEvaluations,
  withPostgresSchema,
  type LoadResult,
} from './stack.js';

const CONNECTIONS = 50;
const PAIRS = Number(process.env['BENCH_TRACING_PAIRS'] ?? '2');

/** The sink (bench/otlp-sink.mjs) started: where to export to, how much it has received, and how to stop it. */
export async function otlpSink(): Promise<{
  url: string;
  stats: () => Promise<{ exports: number; bytes: number }>;
  close(): void;
}> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./otlp-sink.mjs', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the OTLP sink exited ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    stats: async () => (await (await fetch(`${url}/stats`)).json()) as { exports: number; bytes: number },
    close: () => child.kill(),
  };
}

async function measure(env: Record<string, string>, dataDir: string): Promise<LoadResult> {
  const stack = await startStack(env, dataDir);
  try {
    return await uniqueEvaluations(stack.urls[5]!, await login(stack.urls[0]!), CONNECTIONS);
  } finally {
    await stopStack(stack);
  }
}

export async function tracingBenchmarks(): Promise<void> {
  console.log(
    `\n== Tracing: evaluate, unique content, PostgreSQL + Redis, ${CONNECTIONS} connections, ${SECONDS} s each, off and on alternated ==`,
  );
  const sink = await otlpSink();
  const dataDir = mkdtempSync(join(tmpdir(), 'acgs-bench-tracing-'));
  try {
    await withPostgresSchema(async (url) => {
      const base = { DATABASE_URL: url, REDIS_URL };
      const traced = {
        ...base,
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        // Every request traced, unless the run asks otherwise (always_off: the SDK in place, nothing recorded).
        OTEL_TRACES_SAMPLER: process.env['BENCH_TRACING_SAMPLER'] ?? 'always_on',
        // The standard default (http/protobuf) unless the run asks for another, for comparing encodings.
        ...(process.env['OTEL_EXPORTER_OTLP_PROTOCOL'] === undefined
          ? {}
          : { OTEL_EXPORTER_OTLP_PROTOCOL: process.env['OTEL_EXPORTER_OTLP_PROTOCOL'] }),
      };
      for (let pair = 1; pair <= PAIRS; pair += 1) {
        const off = await measure(base, dataDir);
        const before = (await sink.stats()).exports;
        const on = await measure(traced, dataDir);
        console.log(describeLoad(`pair ${pair}: tracing off`, off));
        console.log(describeLoad(`pair ${pair}: tracing on, 100 %`, on));
        console.log(
          `pair ${pair}: on ÷ off ${(on.requests.average / off.requests.average).toFixed(3)}× throughput (goal ≥ 0.9), p99 ${on.latency.p99} vs ${off.latency.p99} ms; ${(await sink.stats()).exports - before} OTLP exports received`,
        );
      }
    });
    console.log(`the sink received ${((await sink.stats()).bytes / 1e6).toFixed(1)} MB of spans in all`);
  } finally {
    sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
