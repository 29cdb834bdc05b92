import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SERVICE_NAMES } from '../../src/platform/config.js';
import { KNOWN_ANSWER } from '../support/constitution-vectors.js';
import { backends } from '../support/harness.js';
import { createScratchSchema } from '../support/postgres-schema.js';
import {
  freePort,
  healthy,
  runCli,
  runCliToEnd,
  waitFor,
  waitForHealthy,
  type CliProcess,
} from '../support/process.js';

const ADMIN = { ACGS_ADMIN_EMAIL: 'ops@example.com', ACGS_BCRYPT_COST: '10' };

async function portEnv(): Promise<{ env: Record<string, string>; urls: string[] }> {
  const env: Record<string, string> = {};
  const urls: string[] = [];
  for (const service of SERVICE_NAMES) {
    const port = await freePort();
    env[`${service.toUpperCase()}_PORT`] = String(port);
    urls.push(`http://127.0.0.1:${port}`);
  }
  return { env, urls };
}

async function stop(cli: CliProcess): Promise<number | null> {
  cli.child.kill('SIGTERM');
  return cli.exited;
}

async function loginStatus(
  authUrl: string,
  email: string,
  password: string,
): Promise<{ status: number; token: string | null }> {
  const response = await fetch(`${authUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: email, password }),
  });
  const body = (await response.json()) as { access_token?: string };
  return { status: response.status, token: body.access_token ?? null };
}

const meStatus = async (authUrl: string, token: string) =>
  (await fetch(`${authUrl}/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status;

/** A failed login for an unknown account from `localAddress` (a loopback address of the machine), to `url`. */
function failedLogin(url: string, localAddress: string, headers: Record<string, string> = {}): Promise<number> {
  const body = JSON.stringify({ username: 'nobody@example.com', password: 'not-the-password-1' });
  return new Promise((resolve, reject) => {
    const target = new URL('/auth/login', url);
    const sent = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        localAddress,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

/**
 * The login limit counts each client by the address the platform believes: a made-up X-Forwarded-For (or console
 * header) sent straight to a service is not believed; the console relays each browser's own address.
 */
async function assertClientAddresses(authUrl: string, consoleUrl: string, token: string): Promise<void> {
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 5; attempt += 1) statuses.push(await failedLogin(authUrl, '127.0.0.1'));
  // The admin's own login was the first of the five a minute this address may try.
  assert.deepEqual(statuses, [401, 401, 401, 401, 429], 'the per-address login limit (5 a minute) holds');
  const madeUp: Record<string, string>[] = [
    { 'x-forwarded-for': '203.0.113.7' },
    { 'x-forwarded-for': '203.0.113.8', 'x-acgs-console-client': '203.0.113.8', 'x-acgs-console-token': 'guess' },
  ];
  for (const headers of madeUp)
    assert.equal(await failedLogin(authUrl, '127.0.0.1', headers), 429, `a made-up ${Object.keys(headers).join(', ')}`);
  assert.equal(
    await failedLogin(consoleUrl, '127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }),
    429,
    'through the console, the browser is still 127.0.0.1, whatever it claims',
  );
  assert.equal(await failedLogin(consoleUrl, '127.0.0.2'), 401, 'another browser, through the console, is not limited');
  const audit = await fetch(`${consoleUrl}/api/v1/audit/logs?limit=500`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const entries = ((await audit.json()) as { items: { details: { source_ip?: string } }[] }).items;
  const addresses = new Set(entries.map((entry) => entry.details.source_ip));
  for (const made of ['203.0.113.7', '203.0.113.8', '203.0.113.9'])
    assert.ok(!addresses.has(made), [...addresses].join());
  assert.ok(addresses.has('127.0.0.2'), `the console relayed its browser's address: ${[...addresses].join()}`);
}

const dataDirs: string[] = [];
after(() => dataDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

for (const backend of await backends()) {
  describe(`acgs up on ${backend}`, () => {
    it('starts all six services healthy, keeps sessions across restarts, and a new secret invalidates every token', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'acgs-e2e-'));
      dataDirs.push(dataDir);
      const base: Record<string, string> = { ...ADMIN, ACGS_DATA_DIR: dataDir };
      const scratch = backend === 'postgres' ? await createScratchSchema('e2e') : null;
      if (scratch !== null) base['DATABASE_URL'] = scratch.url;
      // Every stack this test starts, so a failure part-way does not leave one running past the test.
      const started: CliProcess[] = [];
      const start = (args: string[], env: Record<string, string>) => {
        const cli = runCli(args, env, { built: true });
        started.push(cli);
        return cli;
      };
      try {
        const ports = await portEnv();
        const consolePort = await freePort();
        const first = start(['up'], {
          ...base,
          ...ports.env,
          ACGS_CONSOLE_PORT: String(consolePort),
          ACGS_AUTH_RATE_LIMIT_PER_MINUTE: '5',
        });
        await waitForHealthy(ports.urls, 30_000, 'six healthy services', first);
        await waitFor(() => first.output().includes('Password (shown once'), 5000, 'bootstrap credentials');
        const password = /Password \(shown once[^:]*: (\S+)/.exec(first.output())![1]!;
        const authUrl = ports.urls[0]!;
        const session = await loginStatus(authUrl, 'ops@example.com', password);
        assert.equal(session.status, 200);
        await assertClientAddresses(authUrl, `http://127.0.0.1:${consolePort}`, session.token!);
        const newUser = ['user', 'create', '--email', 'auditor@example.com', '--role', 'auditor'];
        if (backend === 'pglite') {
          // The CLI never writes into a data directory a running acgs holds: it refuses, and nothing is written.
          const refused = await runCliToEnd(newUser, base, { built: true });
          assert.equal(refused.code, 1, refused.output);
          assert.match(refused.output, /is in use by process \d+: stop it first/);
          assert.doesNotMatch(refused.output, /created/);
        }
        assert.equal(await stop(first), 0, first.output());
        const created = await runCliToEnd(newUser, base, { built: true });
        assert.equal(created.code, 0, created.output);
        const newPassword = /password: (\S+)/.exec(created.output)![1]!;

        const second = start(['up'], { ...base, ...ports.env });
        // Services start one after another: wait for all of them, not just auth, before asking ac.
        await waitForHealthy(ports.urls, 30_000, 'restart', second);
        assert.ok(!second.output().includes('Password (shown once'), 'credentials are printed only on first start');
        assert.equal(await meStatus(authUrl, session.token!), 200, 'generated secrets persist in the data dir');
        assert.equal((await loginStatus(authUrl, 'auditor@example.com', newPassword)).status, 200, 'the user was kept');
        const constitution = await fetch(`${ports.urls[1]}/api/v1/constitution`, {
          headers: { authorization: `Bearer ${session.token}` },
        });
        const body = (await constitution.json()) as { version: number; hash: string };
        assert.deepEqual(
          { version: body.version, hash: body.hash },
          { version: 1, hash: KNOWN_ANSWER.starterHash },
          'same constitution and hash after a restart',
        );
        assert.equal(await stop(second), 0);

        const rotated = start(['serve', 'auth'], {
          ...base,
          ...ports.env,
          AUTH_SERVICE_SECRET_KEY: 'a-brand-new-secret-0123456789abcdefghij',
        });
        await waitFor(() => healthy(authUrl), 30_000, 'restart with a new secret');
        assert.equal(await meStatus(authUrl, session.token!), 401, 'old tokens die with the old secret');
        assert.equal((await loginStatus(authUrl, 'ops@example.com', password)).status, 200);
        assert.equal(await stop(rotated), 0);
      } finally {
        for (const cli of started)
          if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
        await Promise.all(started.map((cli) => cli.exited));
        await scratch?.drop();
      }
    });
  });
}

describe('acgs process behaviour', () => {
  it('stops with one line naming a bad variable', async () => {
    const cli = runCli(
      ['up'],
      { DATABASE_POOL_SIZE: 'lots', ACGS_DATA_DIR: '/nonexistent/never-created' },
      { built: true },
    );
    assert.equal(await cli.exited, 2);
    const lines = cli.output().trim().split('\n');
    assert.equal(lines.length, 1, cli.output());
    assert.match(lines[0]!, /DATABASE_POOL_SIZE/);
  });

  it('refuses a bootstrap password the admin could not be created with before doing any work', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'acgs-e2e-'));
    dataDirs.push(dataDir);
    const cli = runCli(
      ['up'],
      {
        ACGS_DATA_DIR: dataDir,
        ACGS_ADMIN_EMAIL: 'operations@example.com',
        ACGS_ADMIN_PASSWORD: 'operations-2026-pass',
      },
      { built: true },
    );
    assert.equal(await cli.exited, 2);
    const lines = cli.output().trim().split('\n');
    assert.equal(lines.length, 1, cli.output());
    assert.match(lines[0]!, /ACGS_ADMIN_PASSWORD.*must not contain the email's local part/);
    assert.deepEqual(readdirSync(dataDir), [], 'no database was created, no migration run');
  });

  it('finishes in-flight requests on SIGTERM before exiting', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'acgs-e2e-'));
    dataDirs.push(dataDir);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const cli = runCli(
      ['serve', 'auth', '--port', String(port)],
      {
        ...ADMIN,
        ACGS_ADMIN_PASSWORD: 'a-long-admin-password-42',
        ACGS_BCRYPT_COST: '12',
        ACGS_DATA_DIR: dataDir,
      },
      { built: true },
    );
    await waitFor(() => healthy(url), 30_000, 'auth service');
    // bcrypt at cost 12 with one hashing slot keeps these logins in flight for about a second.
    const inFlight = Array.from({ length: 4 }, () => loginStatus(url, 'ops@example.com', 'a-long-admin-password-42'));
    // In flight means the handler has them: wait for the attempts counter rather than a fixed delay, which a loaded
    // machine outran (a request still unparsed when the signal lands is rightly refused with 503).
    await waitFor(
      async () => /^acgs_auth_attempts_total(\{[^}]*\})? 4$/m.test(await (await fetch(`${url}/metrics`)).text()),
      10_000,
      'four logins in the handler',
    );
    cli.child.kill('SIGTERM');
    const results = await Promise.all(inFlight);
    assert.deepEqual(
      results.map((result) => result.status),
      [200, 200, 200, 200],
    );
    assert.equal(await cli.exited, 0);
    await assert.rejects(fetch(`${url}/health`));
  });
});
