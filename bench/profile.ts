// The committed profile recipe (docs/benchmarks.md): a CPU profile of `acgs up` while evaluate is loaded with unique
// content (or /health, BENCH_PROFILE_TARGET=health), written by V8 (--cpu-prof) and summarised here over the load's
// window only (start-up left out): self time per function and per area of the code, and inclusive time of ours.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  load,
  login,
  REDIS_URL,
  row,
  SECONDS,
  startStack,
  stopStack,
  uniqueEvaluations,
  withPostgresSchema,
} from './stack.js';
import { otlpSink } from './tracing.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** Where a function lives, in the terms the findings use. */
function area(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)' || name === '(program)') return name;
  if (url === '' || url.startsWith('node:')) return 'Node internals (sockets, streams, timers)';
  if (url.includes('/node_modules/'))
    return url
      .split('/node_modules/')
      .pop()!
      .split('/')[0]!
      .replace(/^@[^/]+$/, (s) => s);
  if (url.includes('/dist/')) return `ours: ${url.split('/dist/').pop()!.split('/').slice(0, 2).join('/')}`;
  return url;
}

/** On PostgreSQL + Redis (a deployment's shape) unless BENCH_PROFILE_BACKEND=pglite. */
export async function profileEvaluate(): Promise<void> {
  if (process.env['BENCH_PROFILE_BACKEND'] === 'pglite') return profileOn('PGlite', {});
  return withPostgresSchema((url) => profileOn('PostgreSQL + Redis', { DATABASE_URL: url, REDIS_URL }));
}

/** Microseconds on the monotonic clock V8's profile timestamps use. */
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

async function profileOn(label: string, env: Record<string, string>): Promise<void> {
  const profiles = mkdtempSync(join(tmpdir(), 'acgs-profile-'));
  const health = process.env['BENCH_PROFILE_TARGET'] === 'health';
  const what = health ? 'GET /health' : 'evaluate, unique content';
  console.log(`\n== CPU profile of acgs up on ${label} under ${what} load, 50 connections, ${SECONDS} s ==`);
  // BENCH_PROFILE_DECISION_LOG=off profiles the same build with the benchmark-only preload, for a side-by-side.
  const logOff =
    process.env['BENCH_PROFILE_DECISION_LOG'] === 'off'
      ? ['--import', fileURLToPath(new URL('./decision-log-off.mjs', import.meta.url))]
      : [];
  // BENCH_PROFILE_TRACING=on profiles it tracing every request to a local OTLP sink.
  const sink = process.env['BENCH_PROFILE_TRACING'] === 'on' ? await otlpSink() : null;
  const traced: Record<string, string> =
    sink === null ? {} : { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: 'always_on' };
  const stack = await startStack({ ...env, ...traced }, undefined, [
    '--cpu-prof',
    `--cpu-prof-dir=${profiles}`,
    ...logOff,
  ]);
  let window: [number, number];
  try {
    const token = await login(stack.urls[0]!);
    const started = monotonicMicros();
    const result = health
      ? await load({ url: `${stack.urls[5]}/health`, connections: 50, duration: SECONDS })
      : await uniqueEvaluations(stack.urls[5]!, token, 50);
    window = [started, monotonicMicros()];
    console.log(row(what, result));
  } finally {
    await stopStack(stack);
    sink?.close();
    rmSync(stack.dataDir, { recursive: true, force: true });
  }
  const file = readdirSync(profiles).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error('no CPU profile was written');
  const profile = JSON.parse(readFileSync(join(profiles, file), 'utf8')) as {
    nodes: ProfileNode[];
    startTime: number;
    endTime: number;
    samples: number[];
    timeDeltas: number[];
  };
  // Samples taken while the load ran; the rest (start-up, login, shutdown) would dilute every share.
  const hitCounts = new Map<number, number>();
  let at = profile.startTime;
  for (const [index, sample] of profile.samples.entries()) {
    at += profile.timeDeltas[index]!;
    if (at >= window[0] && at <= window[1]) hitCounts.set(sample, (hitCounts.get(sample) ?? 0) + 1);
  }
  const total = [...hitCounts.values()].reduce((sum, hits) => sum + hits, 0);
  if (total === 0) throw new Error('no profile sample falls in the load window (clocks differ?)');
  for (const node of profile.nodes) node.hitCount = hitCounts.get(node.id) ?? 0;
  // WASM frames carry no package: Cedar and PGlite are both WASM, so each is put with the JS that called into it.
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const isWasm = (node: ProfileNode) => node.callFrame.url.startsWith('wasm://');
  const placeOf = (node: ProfileNode): string => {
    if (!isWasm(node)) return area(node.callFrame.url, node.callFrame.functionName);
    let caller = parent.get(node.id);
    while (caller !== undefined && (isWasm(caller) || caller.callFrame.url === '')) caller = parent.get(caller.id);
    return `${caller === undefined ? 'unknown' : area(caller.callFrame.url, caller.callFrame.functionName)} (WASM)`;
  };
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : ` ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    const place = placeOf(node);
    byArea.set(place, (byArea.get(place) ?? 0) + hits);
  }
  // Socket and stream writes are Node's; who asked for them (the client reply, the database, the log) is the question.
  const writers = new Map<string, number>();
  for (const node of profile.nodes) {
    if (!/^write(v|Buffer|Utf8String|String|Latin1String)?$/.test(node.callFrame.functionName) || !node.hitCount)
      continue;
    let caller = parent.get(node.id);
    while (caller !== undefined && (caller.callFrame.url === '' || caller.callFrame.url.startsWith('node:')))
      caller = parent.get(caller.id);
    const who = caller === undefined ? 'Node itself' : placeOf(caller);
    writers.set(who, (writers.get(who) ?? 0) + node.hitCount);
  }
  // Inclusive time of our own functions: what a hook or a step costs with everything it calls.
  const inclusive = new Map<string, number>();
  for (const node of profile.nodes) {
    if (!node.hitCount) continue;
    const seen = new Set<string>();
    for (let frame: ProfileNode | undefined = node; frame !== undefined; frame = parent.get(frame.id)) {
      const { functionName, url, lineNumber } = frame.callFrame;
      if (!url.includes('/dist/')) continue;
      const key = `${functionName || '(anonymous)'} ${url.split('/dist/').pop()}:${lineNumber + 1}`;
      if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + node.hitCount);
      seen.add(key);
    }
  }
  const share = (hits: number) => `${((hits / total) * 100).toFixed(1).padStart(5)} %`;
  console.log(
    `profile: ${file} (${total} samples in the ${((window[1] - window[0]) / 1e6).toFixed(1)} s of load, all of acgs up)`,
  );
  const top = (title: string, hitsByName: Map<string, number>, count: number) => {
    console.log(title);
    for (const [name, hits] of [...hitsByName].sort((a, b) => b[1] - a[1]).slice(0, count))
      console.log(`  ${share(hits)}  ${name}`);
  };
  top('self time by area:', byArea, 15);
  top('socket and stream writes, by the code that asked for them:', writers, 8);
  top('self time by function (top 25):', byFunction, 25);
  top('inclusive time of our functions (top 20):', inclusive, 20);
  console.log(`(open it in Chrome DevTools → Performance → Load profile: kept at ${join(profiles, file)})`);
}
