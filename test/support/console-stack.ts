import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import type { Browser } from 'playwright-core';
import { BUILT_CONSOLE_DIR } from '../../src/operations/console/server.js';
import { chromiumAvailable, launchChromium } from './browser.js';
import { BUILT_CLI, runCli, stackPorts, waitForHealthy, type CliProcess } from './process.js';

export const CONSOLE_PASSWORD = 'Console-Test-Password-2026';
const ADMIN_EMAIL = 'admin@console.test';

/** Whether the browser suite can run: outside CI a missing chromium skips it; in CI it fails (.ci/run installs it). */
export function consoleSuiteAvailable(): boolean {
  const available = chromiumAvailable();
  if (!available && process.env['CI'] === 'true')
    throw new Error('chromium is required in CI; .ci/run installs Debian chromium');
  return available;
}

export interface ConsoleStack {
  url: string;
  browser: Browser;
  stack: CliProcess;
  maintenanceFile: string;
  adminEmail: string;
  /** An admin's bearer token, for arranging what a test needs through the API (the console URL proxies it). */
  adminToken: string;
  /** Calls the API through the console as the admin; throws on any status but the expected ones. */
  call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T>;
  /** Registers a person with these roles and returns their email (password CONSOLE_PASSWORD). */
  person(name: string, roles: readonly string[]): Promise<{ email: string; id: string }>;
  close(): Promise<void>;
}

/** `acgs up` from source with its console on a free port, and a headless chromium to look at it. */
export async function startConsoleStack(extraEnv: Record<string, string> = {}): Promise<ConsoleStack> {
  assert.ok(
    existsSync(join(BUILT_CONSOLE_DIR, 'index.html')) && existsSync(BUILT_CLI),
    'the console and the CLI are built (npm run build)',
  );
  const work = mkdtempSync(join(tmpdir(), 'acgs-console-'));
  const maintenanceFile = join(work, 'maintenance');
  const browser = await launchChromium();
  // Free ports are found before the stack binds them, so a test file running beside this one can take one first:
  // a stack that stops with EADDRINUSE is started again on other ports.
  let started: { stack: CliProcess; ports: Awaited<ReturnType<typeof stackPorts>> } | null = null;
  for (let attempt = 1; started === null; attempt += 1) {
    const ports = await stackPorts();
    // The built CLI, as `npm start` runs it: the console it serves is the build too.
    const stack = runCli(
      ['up'],
      {
        ACGS_DATA_DIR: join(work, 'data'),
        DATABASE_URL: 'pglite://memory',
        ACGS_ADMIN_EMAIL: ADMIN_EMAIL,
        ACGS_ADMIN_PASSWORD: CONSOLE_PASSWORD,
        ACGS_BCRYPT_COST: '4',
        ACGS_MAINTENANCE_FILE: maintenanceFile,
        // Every browser context signs in from 127.0.0.1: the per-address login limit would be the test's subject.
        ACGS_AUTH_RATE_LIMIT_PER_MINUTE: '1000',
        ACGS_RATE_LIMIT_PER_MINUTE: '0',
        ACGS_CHECK_RESPONSES: 'true',
        ...ports.env,
        ...extraEnv,
      },
      { built: true },
    );
    try {
      await waitForHealthy([...Object.values(ports.urls), `${ports.consoleUrl}/auth`], 60_000, 'the stack', stack);
      started = { stack, ports };
    } catch (error) {
      stack.child.kill('SIGKILL');
      if (attempt < 3 && stack.output().includes('EADDRINUSE')) continue;
      await browser.close();
      throw error;
    }
  }
  const { stack, ports } = started;
  const call = async <T>(method: string, path: string, body?: unknown, token?: string): Promise<T> => {
    const response = await fetch(`${ports.consoleUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
  const login = await call<{ access_token: string }>('POST', '/auth/login', {
    username: ADMIN_EMAIL,
    password: CONSOLE_PASSWORD,
  });
  const adminToken = login.access_token;
  return {
    url: ports.consoleUrl,
    browser,
    stack,
    maintenanceFile,
    adminEmail: ADMIN_EMAIL,
    adminToken,
    call: (method, path, body, token = adminToken) => call(method, path, body, token),
    async person(name, roles) {
      const email = `${name}@console.test`;
      const user = await call<{ id: string }>('POST', '/auth/register', {
        email,
        password: CONSOLE_PASSWORD,
        full_name: name,
      });
      if (roles.length > 0) await call('PUT', `/auth/users/${user.id}/roles`, { roles }, adminToken);
      return { email, id: user.id };
    },
    async close() {
      await browser.close();
      stack.child.kill('SIGTERM');
      await stack.exited;
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/**
 * A suite against one console stack, started before its tests and stopped after them; skipped without chromium
 * outside CI. The body gets the stack as a stand-in that forwards to the running one, so tests read `stack.url`.
 */
export function describeConsole(title: string, body: (stack: ConsoleStack) => void): void {
  describe(title, { skip: !consoleSuiteAvailable() && 'needs chromium' }, () => {
    let running: ConsoleStack | undefined;
    before(async () => {
      running = await startConsoleStack();
    });
    after(async () => running?.close());
    body(
      new Proxy({} as ConsoleStack, {
        get: (_target, key) => {
          if (running === undefined) throw new Error('the console stack is not running yet');
          return Reflect.get(running, key);
        },
      }),
    );
  });
}
