// Horizontal scaling of the decision API: evaluate with unique content through the nginx gateway, first with one PGC
// instance behind it, then with two `acgs serve pgc` processes on the same PostgreSQL (one decision log, one audit
// log), at 50 and at 1,000 client connections. nginx holds the client connections and reuses at most `keepalive`
// upstream connections per worker, so each PGC process sees tens of connections, not a thousand.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_NAMES } from '../src/platform/config.js';
import { freePort, healthy, waitFor } from '../test/support/process.js';
import { countCpu } from './cpu.js';
import {
  CLI,
  describeLoad,
  login,
  REDIS_URL,
  SECONDS,
  startStack,
  stopStack,
  uniqueEvaluations,
  withPostgresSchema,
} from './stack.js';

async function startGateway(pgcInstances: readonly string[], env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-bench-nginx-'));
  for (const sub of ['logs', 'tmp']) mkdirSync(join(dir, sub));
  const listen = await freePort();
  const rendered = spawnSync(
    process.execPath,
    [
      CLI,
      'gateway',
      'config',
      '--listen',
      String(listen),
      '--instances',
      `pgc=${pgcInstances.join(',')}`,
      // The gateway's per-IP limits would turn one load generator's traffic into 429s.
      '--api-rate',
      '100000000',
      '--out',
      join(dir, 'nginx.conf'),
    ],
    { env, encoding: 'utf8' },
  );
  if (rendered.status !== 0) throw new Error(`acgs gateway config: ${rendered.stderr}`);
  const nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${listen}`;
  await waitFor(async () => (await fetch(`${url}/nginx_health`).catch(() => null))?.status === 200, 10_000, 'nginx');
  return {
    url,
    stop: async () => {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startSecondPgc(env: Record<string, string>): Promise<{ child: ChildProcess; address: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', 'pgc', '--port', String(port)], {
    env: { ...env, ACGS_INSTANCE_ID: 'pgc-2' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor(() => healthy(`http://127.0.0.1:${port}`), 60_000, 'the second PGC instance');
  return { child, address: `127.0.0.1:${port}` };
}

export async function gatewayBenchmarks(): Promise<void> {
  await withPostgresSchema(async (databaseUrl) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'acgs-bench-'));
    const env: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      ACGS_SIGNING_KEY_PASSPHRASE: 'bench-signing-passphrase-0123456789abcdef',
    };
    const stack = await startStack(env, dataDir);
    // The second instance reads the same data dir (secrets) and database as the first.
    const processEnv: Record<string, string> = {
      ...env,
      PATH: process.env['PATH'] ?? '',
      ACGS_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    };
    for (const service of SERVICE_NAMES)
      processEnv[`${service.toUpperCase()}_PORT`] = new URL(stack.urls[SERVICE_NAMES.indexOf(service)]!).port;
    let second: { child: ChildProcess; address: string } | null = null;
    try {
      const token = await login(stack.urls[0]!);
      second = await startSecondPgc({ ...processEnv, ACGS_RATE_LIMIT_PER_MINUTE: '0' });
      const first = new URL(stack.urls[5]!).host;
      for (const connections of (process.env['BENCH_CONNECTIONS'] ?? '50,1000').split(',').map(Number)) {
        console.log(
          `\n== evaluate, unique content, through the nginx gateway, PostgreSQL + Redis, ${connections} connections, ${SECONDS} s each ==`,
        );
        const figures: number[] = [];
        for (const instances of [[first], [first, second.address]]) {
          const gateway = await startGateway(instances, processEnv);
          try {
            const cpu = countCpu(stack.child.pid!, second.child.pid!);
            const result = await uniqueEvaluations(gateway.url, token, connections);
            const label = `${instances.length} PGC instance${instances.length > 1 ? 's' : ''}`;
            console.log(describeLoad(label, result));
            console.log(`  ${cpu()}`);
            figures.push(result.requests.average);
          } finally {
            await gateway.stop();
          }
        }
        console.log(`two instances ÷ one: ${(figures[1]! / figures[0]!).toFixed(2)}×`);
      }
    } finally {
      if (second !== null) {
        const exited = new Promise((resolve) => second!.child.once('exit', resolve));
        second.child.kill('SIGTERM');
        await exited;
      }
      await stopStack(stack);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}
