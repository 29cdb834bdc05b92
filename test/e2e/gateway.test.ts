import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUILT_CONSOLE_DIR } from '../../src/operations/console/server.js';
import { SERVICE_NAMES } from '../../src/platform/config.js';
import { binaryAvailable } from '../support/binaries.js';
import { backends } from '../support/harness.js';
import { createScratchSchema } from '../support/postgres-schema.js';
import OpenAI from 'openai';
import { fakeLlmServer } from '../support/fake-llm.js';
import { freePort, healthy, runCli, waitFor, waitForHealthy, type CliProcess } from '../support/process.js';

/** The guide's commands this test runs: health, metrics, the gateway's health and the load-distribution loop. */
const GUIDE_COMMAND = /^(curl|for i in).*localhost:800[0-5]\/(health|metrics|nginx_health|auth\/health)/;
const guideCommands = (): string[] =>
  readFileSync(new URL('../fixtures/operations-guide-commands.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'));

const nginxAvailable = binaryAvailable('nginx', ['-v'], 'nginx');
const PASSWORD = 'gateway-check-2026';

// Two auth instances need a shared real PostgreSQL (PGlite is one process's), so this runs where PostgreSQL does.
const runs = (await backends()).includes('postgres') && nginxAvailable;

describe(
  'nginx gateway in front of two auth instances and one of every other service',
  { skip: runs ? false : 'needs nginx and PostgreSQL' },
  () => {
    const processes: CliProcess[] = [];
    let gateway: string;
    let nginxDir: string;
    let nginx: ReturnType<typeof spawn>;
    let secondAuth: CliProcess;
    let authDirect: string;
    let dropSchema: () => Promise<void> = async () => undefined;
    /** The ports on which the gateway stands in for each service (8000–8005 in the operations guide). */
    const gatewayPorts: Record<string, number> = {};

    before(async () => {
      const scratch = await createScratchSchema('gateway');
      dropSchema = scratch.drop;
      const env: Record<string, string> = {
        DATABASE_URL: scratch.url,
        ACGS_DATA_DIR: mkdtempSync(join(tmpdir(), 'acgs-gw-')),
        ACGS_ADMIN_EMAIL: 'ops@example.com',
        ACGS_ADMIN_PASSWORD: PASSWORD,
        ACGS_BCRYPT_COST: '10',
        // The services' own limits stay out of the way, so what is measured is the gateway's.
        ACGS_RATE_LIMIT_PER_MINUTE: '0',
        ACGS_AUTH_RATE_LIMIT_PER_MINUTE: '1000',
        AUTH_SERVICE_SECRET_KEY: 'gateway-test-jwt-secret-0123456789abcdef',
        AUTH_SERVICE_CSRF_SECRET_KEY: 'gateway-test-csrf-secret-0123456789abcdef',
      };
      const ports: Record<string, number> = {};
      for (const service of SERVICE_NAMES) {
        ports[service] = await freePort();
        env[`${service.toUpperCase()}_PORT`] = String(ports[service]);
      }
      const authTwo = await freePort();
      authDirect = `http://127.0.0.1:${ports['auth']}`;
      processes.push(runCli(['up'], { ...env, ACGS_INSTANCE_ID: 'stack-1' }));
      await waitForHealthy(
        SERVICE_NAMES.map((service) => `http://127.0.0.1:${ports[service]}`),
        60_000,
        'six healthy services',
        processes[0],
      );
      secondAuth = runCli(['serve', 'auth', '--port', String(authTwo)], { ...env, ACGS_INSTANCE_ID: 'auth-2' });
      processes.push(secondAuth);
      await waitFor(() => healthy(`http://127.0.0.1:${authTwo}`), 30_000, 'the second auth instance');

      const listen = await freePort();
      gateway = `http://127.0.0.1:${listen}`;
      for (const service of SERVICE_NAMES) gatewayPorts[service] = await freePort();
      nginxDir = mkdtempSync(join(tmpdir(), 'acgs-nginx-'));
      for (const dir of ['logs', 'tmp']) mkdirSync(join(nginxDir, dir));
      const rendered = runCli(
        [
          'gateway',
          'config',
          '--listen',
          String(listen),
          '--instances',
          `auth=127.0.0.1:${ports['auth']},127.0.0.1:${authTwo}`,
          '--service-ports',
          SERVICE_NAMES.map((service) => `${service}=${gatewayPorts[service]}`).join(','),
          '--console-root',
          BUILT_CONSOLE_DIR,
          '--out',
          join(nginxDir, 'nginx.conf'),
        ],
        env,
      );
      assert.equal(await rendered.exited, 0, rendered.output());
      const check = spawnSync('nginx', ['-t', '-p', nginxDir, '-c', join(nginxDir, 'nginx.conf')], {
        encoding: 'utf8',
      });
      assert.equal(check.status, 0, `nginx -t: ${check.stderr}`);
      nginx = spawn('nginx', ['-p', nginxDir, '-c', join(nginxDir, 'nginx.conf'), '-g', 'daemon off;'], {
        stdio: 'ignore',
      });
      await waitFor(
        async () => (await fetch(`${gateway}/nginx_health`).catch(() => null))?.status === 200,
        10_000,
        'nginx',
      );
    });

    after(async () => {
      nginx?.kill('SIGTERM');
      for (const process of processes) process.child.kill('SIGTERM');
      await Promise.all(processes.map((process) => process.exited));
      await dropSchema();
      if (nginxDir !== undefined) rmSync(nginxDir, { recursive: true, force: true });
    });

    it('answers /nginx_health, every service health, metrics and API prefix through the gateway, with request ids and security headers', async () => {
      const health = await fetch(`${gateway}/nginx_health`);
      assert.equal(((await health.json()) as { status: string }).status, 'healthy');
      for (const service of SERVICE_NAMES) {
        const response = await fetch(`${gateway}/${service}/health`);
        assert.equal(response.status, 200, `/${service}/health`);
        assert.match(
          await (await fetch(`${gateway}/metrics/${service}`)).text(),
          new RegExp(`acgs_http_requests_total\\{[^}]*service="${service}"`),
          `/metrics/${service}`,
        );
      }
      const traced = await fetch(`${gateway}/ac/health`, { headers: { 'x-request-id': 'trace-me-42' } });
      assert.equal(traced.headers.get('x-request-id'), 'trace-me-42');
      assert.equal(traced.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(traced.headers.get('x-frame-options'), 'DENY');
      assert.ok(traced.headers.get('x-instance-id'));

      // Logged in at the auth service itself: logins through the gateway are counted by the rate-limit test below.
      const login = await fetch(`${authDirect}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'ops@example.com', password: PASSWORD }),
      });
      assert.equal(login.status, 200);
      const token = ((await login.json()) as { access_token: string }).access_token;
      const authorised = { authorization: `Bearer ${token}` };
      const owners: [string, string][] = [
        ['/api/v1/principles', 'ac'],
        ['/api/v1/policies', 'integrity'],
        ['/api/v1/enforcement/rules', 'pgc'],
        ['/api/v1/audit/tree-head', 'integrity'],
      ];
      for (const [path, service] of owners) {
        const response = await fetch(`${gateway}${path}`, { headers: authorised });
        assert.equal(response.status, 200, `${path} → ${service}: ${response.status}`);
      }
      // With the console at /, a page path is the app's; an unknown API path is still the standard 404.
      const missing = await fetch(`${gateway}/api/v9/nowhere`);
      assert.equal(missing.status, 404);
      const body = (await missing.json()) as Record<string, string>;
      assert.deepEqual(Object.keys(body).sort(), ['detail', 'error_code', 'request_id', 'timestamp']);
    });

    it('serves the console at / under its CSP: pages get index.html, a missing asset the standard 404', async () => {
      const index = readFileSync(join(BUILT_CONSOLE_DIR, 'index.html'), 'utf8');
      for (const path of ['/', '/council/some-amendment', '/decisions?decision=deny', '/policies/no-pii.1']) {
        const page = await fetch(`${gateway}${path}`);
        assert.equal(page.status, 200, path);
        assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
        assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
        assert.equal(await page.text(), index, path);
      }
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)![1]!;
      const asset = await fetch(`${gateway}${script}`);
      assert.equal(asset.status, 200);
      assert.match(asset.headers.get('content-type') ?? '', /^text\/javascript/);
      assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
      for (const missing of ['/assets/gone-1234.js', '/favicon.png']) {
        const answer = await fetch(`${gateway}${missing}`);
        assert.equal(answer.status, 404, missing);
        assert.equal(((await answer.json()) as { error_code: string }).error_code, 'NOT_FOUND');
      }
      const config = await fetch(`${gateway}/console-config.json`);
      assert.deepEqual(await config.json(), { trusted_key_fingerprints: null, trace_url_template: null });
      // API paths still reach the services, not the console.
      assert.equal((await fetch(`${gateway}/api/v1/constitution`)).status, 401);
    });

    it('keeps its copy of the operations guide commands equal to the guide, wherever the guide is present', (t) => {
      const guide = new URL('../../../shared/reference/operations-guide.md', import.meta.url);
      if (!existsSync(guide)) {
        t.diagnostic('the operations guide is not beside this checkout: the fixture stands alone');
        return;
      }
      const inGuide = readFileSync(guide, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => GUIDE_COMMAND.test(line));
      assert.deepEqual(guideCommands(), [...new Set(inGuide)]);
    });

    it("runs the operations guide's health, metrics, /nginx_health and load-distribution commands unchanged against the gateway", async () => {
      // The guide's own lines (a fixture of this repository, checked against the guide where the guide is present);
      // only its ports (8000–8005) are mapped to the ports the gateway holds here.
      const commands = guideCommands();
      assert.ok(commands.length >= 9, `the guide's commands: ${commands.join(' | ')}`);
      const portOf = (port: string) => String(gatewayPorts[SERVICE_NAMES[Number(port) - 8000]!]);
      const outputs: string[] = [];
      for (const command of commands) {
        const mapped = command.replace(/localhost:(800[0-5])/g, (_match, port: string) => `127.0.0.1:${portOf(port)}`);
        // Unchanged but for one thing: an HTTP error makes curl fail, so "succeeds" means every answer was a 2xx.
        const run = spawnSync('bash', ['-c', `set -e; curl() { command curl --fail-with-body "$@"; }; ${mapped}`], {
          encoding: 'utf8',
          timeout: 30_000,
        });
        assert.equal(run.status, 0, `${command}\n${run.stdout}\n${run.stderr}`);
        outputs.push(run.stdout);
        if (/\/health/.test(command) && !command.startsWith('for'))
          assert.match(run.stdout, /"status":"healthy"/, command);
        if (/\/metrics/.test(command)) assert.match(run.stdout, /acgs_http_requests_total/, command);
        if (/nginx_health/.test(command)) assert.match(run.stdout, /"service":"nginx_gateway"/, command);
      }
      const loop = outputs[commands.findIndex((command) => command.startsWith('for i in'))]!;
      assert.ok(
        loop.includes('"instance_id":"stack-1"') && loop.includes('"instance_id":"auth-2"'),
        `both auth instances answered the loop: ${loop}`,
      );
      for (const [index, service] of SERVICE_NAMES.entries()) {
        assert.match(
          outputs[
            commands.indexOf(
              `curl http://localhost:${8000 + index}/health  # ${({ auth: 'Auth', ac: 'AC', integrity: 'Integrity', fv: 'FV', gs: 'GS', pgc: 'PGC' } as const)[service]} Service`,
            )
          ] ?? '',
          new RegExp(`"service":"${service}"`),
          service,
        );
      }
    });

    it('streams a governed LLM answer through /v1/ as it comes: nginx buffers none of it', async () => {
      const upstream = await fakeLlmServer('gw-provider-key');
      try {
        const login = await fetch(`${authDirect}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'ops@example.com', password: PASSWORD }),
        });
        const token = ((await login.json()) as { access_token: string }).access_token;
        const registered = await fetch(`${gateway}/api/v1/llm/upstreams/fake`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ base_url: upstream.url, credential: 'gw-provider-key', models: ['gpt-test'] }),
        });
        assert.ok([200, 201].includes(registered.status), await registered.text());
        // 3,000 characters paced at a chunk every 2 ms: about 1.5 s of answer, released in steps as it comes.
        upstream.script([{ content: 'The committee met and agreed on the plan. '.repeat(72), chunkDelayMs: 2 }]);
        const openai = new OpenAI({ baseURL: `${gateway}/v1`, apiKey: token, maxRetries: 0 });
        const started = performance.now();
        const arrivals: number[] = [];
        let text = '';
        for await (const chunk of await openai.chat.completions.create({
          model: 'fake/gpt-test',
          messages: [{ role: 'user', content: 'Summarise the meeting' }],
          stream: true,
        })) {
          const content = chunk.choices[0]?.delta.content ?? '';
          if (content === '') continue;
          text += content;
          arrivals.push(performance.now() - started);
        }
        assert.equal(text, 'The committee met and agreed on the plan. '.repeat(72));
        // Buffered by the proxy, every piece would arrive at the end at once.
        assert.ok(arrivals.length > 10, `${arrivals.length} pieces`);
        assert.ok(arrivals.at(-1)! - arrivals[0]! > 500, `pieces arrived over ${arrivals.at(-1)! - arrivals[0]!} ms`);
      } finally {
        await upstream.close();
      }
    });

    it('spreads /auth/health over both auth instances, and keeps every request succeeding with one stopped', async () => {
      const instances = new Set<string>();
      for (let i = 0; i < 10; i += 1) {
        const response = await fetch(`${gateway}/auth/health`);
        assert.equal(response.status, 200);
        instances.add(response.headers.get('x-instance-id') ?? '');
      }
      assert.deepEqual([...instances].sort(), ['auth-2', 'stack-1']);

      secondAuth.child.kill('SIGTERM');
      await secondAuth.exited;
      for (let i = 0; i < 20; i += 1) {
        const response = await fetch(`${gateway}/auth/health`);
        assert.equal(response.status, 200, `request ${i} after stopping one instance`);
        assert.equal(response.headers.get('x-instance-id'), 'stack-1');
      }
    });

    it('answers the 11th login in a minute from one address with 429 in the standard error shape', async () => {
      const statuses: number[] = [];
      let refused: Response | null = null;
      for (let i = 0; i < 11; i += 1) {
        // A different unknown account each time, so lockout (per account) stays out of the picture.
        const credentials = { username: `nobody-${i}@example.com`, password: 'wrong-password-123' };
        const response = await fetch(`${gateway}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(credentials),
        });
        statuses.push(response.status);
        if (response.status === 429) refused = response;
      }
      assert.deepEqual(statuses, [...Array(10).fill(401), 429], JSON.stringify(statuses));
      const body = (await refused!.json()) as Record<string, string>;
      assert.equal(body['error_code'], 'RATE_LIMITED');
      assert.ok(body['request_id'] && body['timestamp'] && body['detail']);
      assert.equal(refused!.headers.get('retry-after'), '60');
    });
  },
);
