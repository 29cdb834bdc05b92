import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES, type ServiceName } from '../../src/platform/config.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

// Below the kernel's ephemeral range (32768–60999 here): a port handed out from that range can be taken by some
// other test's outgoing connection before the service we start gets to bind it. Each test process draws from its own
// slice (by process id), so two files running at once rarely probe the same port in the moment before either binds
// it (a CI run failed with EADDRINUSE that way).
const SLICES = 12;
const SLICE = Math.floor((32_000 - 20_000) / SLICES);
const PORT_RANGE = { from: 20_000 + (process.pid % SLICES) * SLICE, to: 20_000 + ((process.pid % SLICES) + 1) * SLICE };

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

// Ports already handed out by this process: nothing listens on them until the stack they are for starts, so the
// probe alone could hand one out twice.
const handedOut = new Set<number>();

// Ports handed out by any test process on this machine, as files created exclusively: two files running at once in
// the same slice could otherwise both find a port free before either stack binds it (a CI-like run failed with
// EADDRINUSE that way). Reservations go when this process exits; one left by a killed run ages out after an hour.
const RESERVATIONS = join(tmpdir(), 'acgs-test-ports');
const RESERVATION_TTL_MS = 3_600_000;
mkdirSync(RESERVATIONS, { recursive: true });
process.once('exit', () => {
  for (const port of handedOut) rmSync(join(RESERVATIONS, String(port)), { force: true });
});

/** Claims the port for this process among every test process here; false when another holds a live claim. */
function reserve(port: number): boolean {
  const path = join(RESERVATIONS, String(port));
  try {
    closeSync(openSync(path, 'wx'));
    return true;
  } catch {
    try {
      if (Date.now() - statSync(path).mtimeMs < RESERVATION_TTL_MS) return false;
      rmSync(path, { force: true });
      closeSync(openSync(path, 'wx'));
      return true;
    } catch {
      return false;
    }
  }
}

/** A port nothing listens on and this process has not handed out before, for a service a test is about to start. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = PORT_RANGE.from + Math.floor(Math.random() * (PORT_RANGE.to - PORT_RANGE.from));
    if (handedOut.has(port) || !reserve(port)) continue;
    handedOut.add(port);
    if (!(await canListen(port))) continue;
    return port;
  }
}

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** The built CLI (`npm run build`), which starts without compiling TypeScript first: ~2.4 s sooner per stack. */
export const BUILT_CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/**
 * Runs the acgs CLI in a child process with the given environment: the build, as `npm start` does (the test runner
 * rebuilds a build older than the sources), unless `built: false` asks for the sources through tsx.
 */
export function runCli(args: string[], env: Record<string, string>, options: { built?: boolean } = {}): CliProcess {
  const entry = options.built === false ? ['--import', 'tsx', CLI] : [BUILT_CLI];
  const child = spawn(process.execPath, [...entry, ...args], {
    // The console gets a free port unless a test asks for one: files running at once must not share the default.
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      LOG_LEVEL: 'warn',
      ACGS_CONSOLE_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Runs an acgs command to its end: its exit code and everything it printed. */
export async function runCliToEnd(
  args: string[],
  env: Record<string, string>,
  options: { built?: boolean } = {},
): Promise<{ code: number | null; output: string }> {
  const child = runCli(args, env, options);
  const code = await child.exited;
  return { code, output: child.output() };
}

export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`);
    return response.status === 200 && ((await response.json()) as { status: string }).status === 'healthy';
  } catch {
    return false;
  }
}

/** What each service's /health says (or why it does not answer), for failure messages. */
async function healthReport(urls: readonly string[]): Promise<string> {
  const lines = await Promise.all(
    urls.map(async (url) => {
      try {
        const response = await fetch(`${url}/health`);
        return `${url}: ${response.status} ${await response.text()}`;
      } catch (error) {
        return `${url}: ${(error as Error).message}`;
      }
    }),
  );
  return lines.join('\n');
}

/** Waits until every service answers healthy; on timeout the error carries their health and the stack's output. */
export async function waitForHealthy(
  urls: readonly string[],
  timeoutMs: number,
  what: string,
  stack?: CliProcess,
): Promise<void> {
  try {
    await waitFor(
      async () => {
        // A stack that has exited will not become healthy: say so now rather than at the deadline.
        if (stack !== undefined && stack.child.exitCode !== null)
          throw new Error(`the stack exited with code ${stack.child.exitCode} while waiting for ${what}`);
        return (await Promise.all(urls.map(healthy))).every(Boolean);
      },
      timeoutMs,
      what,
    );
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\n${await healthReport(urls)}${stack === undefined ? '' : `\n--- output ---\n${stack.output().slice(-3000)}`}`,
    );
  }
}

export interface StackPorts {
  /** The *_PORT variables (and ACGS_CONSOLE_PORT) for `acgs up`. */
  env: Record<string, string>;
  urls: Record<ServiceName, string>;
  consoleUrl: string;
}

/** Free ports for the six services and the console of one `acgs up`. */
export async function stackPorts(): Promise<StackPorts> {
  const env: Record<string, string> = {};
  const urls = {} as Record<ServiceName, string>;
  for (const service of SERVICE_NAMES) {
    const port = await freePort();
    env[`${service.toUpperCase()}_PORT`] = String(port);
    urls[service] = `http://127.0.0.1:${port}`;
  }
  const consolePort = await freePort();
  env['ACGS_CONSOLE_PORT'] = String(consolePort);
  return { env, urls, consoleUrl: `http://127.0.0.1:${consolePort}` };
}
