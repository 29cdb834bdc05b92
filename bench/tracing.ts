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
import { cpuSecondsOf } from './cpu.js';

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

/** A load and the stack's CPU per request (every thread of its process, the span export thread included). */
async function measure(
  env: Record<string, string>,
  dataDir: string,
): Promise<{ load: LoadResult; cpuUsPerRequest: number }> {
  const stack = await startStack(env, dataDir);
  try {
    const token = await login(stack.urls[0]!);
    const before = cpuSecondsOf(stack.child.pid!);
    const load = await uniqueEvaluations(stack.urls[5]!, token, CONNECTIONS);
    return { load, cpuUsPerRequest: ((cpuSecondsOf(stack.child.pid!) - before) * 1e6) / load.requests.total };
  } finally {
    await stopStack(stack);
  }
}

function describeSpread(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
  return `${median.toFixed(3)}× (${sorted[0]!.toFixed(3)}–${sorted.at(-1)!.toFixed(3)})`;
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
      const ratios: number[] = [];
      const cpuRatios: number[] = [];
      for (let pair = 1; pair <= PAIRS; pair += 1) {
        const off = await measure(base, dataDir);
        const before = (await sink.stats()).exports;
        const on = await measure(traced, dataDir);
        console.log(describeLoad(`pair ${pair}: tracing off`, off.load));
        console.log(describeLoad(`pair ${pair}: tracing on, 100 %`, on.load));
        ratios.push(on.load.requests.average / off.load.requests.average);
        cpuRatios.push(on.cpuUsPerRequest / off.cpuUsPerRequest);
        console.log(
          `pair ${pair}: on ÷ off ${ratios.at(-1)!.toFixed(3)}× throughput (goal ≥ 0.9), p99 ${on.load.latency.p99} vs ${off.load.latency.p99} ms; stack CPU per request ${on.cpuUsPerRequest.toFixed(0)} vs ${off.cpuUsPerRequest.toFixed(0)} µs; ${(await sink.stats()).exports - before} OTLP exports received`,
        );
      }
      // One pair on this machine swings by a quarter either way: the medians of several are the figures to read.
      console.log(
        `over ${ratios.length} pairs, on ÷ off: throughput median ${describeSpread(ratios)} (goal ≥ 0.9); stack CPU per request median ${describeSpread(cpuRatios)}`,
      );
    });
    console.log(`the sink received ${((await sink.stats()).bytes / 1e6).toFixed(1)} MB of spans in all`);
  } finally {
    sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
