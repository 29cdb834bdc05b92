import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/platform/config.js';
import { ConfigError } from '../../src/platform/errors.js';

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected loadConfig to throw');
}

describe('config', () => {
  it('checks the bootstrap admin as registration would, before anything runs', () => {
    const weak = failure({ ACGS_ADMIN_EMAIL: 'operations@example.com', ACGS_ADMIN_PASSWORD: 'operations-2026-pass' });
    assert.equal(weak.variable, 'ACGS_ADMIN_PASSWORD');
    assert.match(weak.message, /local part/);
    assert.match(failure({ ACGS_ADMIN_PASSWORD: 'short' }).message, /at least 12 characters/);
    assert.equal(failure({ ACGS_ADMIN_EMAIL: 'not-an-email' }).variable, 'ACGS_ADMIN_EMAIL');
    assert.equal(
      loadConfig({ ACGS_ADMIN_EMAIL: 'ops@example.com', ACGS_ADMIN_PASSWORD: 'correct-Horse-battery-9' }).bootstrapAdmin
        .password,
      'correct-Horse-battery-9',
    );
  });

  it('has the documented defaults', () => {
    const config = loadConfig({});
    assert.equal(config.environment, 'development');
    assert.deepEqual(config.pool, { size: 20, maxOverflow: 30, timeoutMs: 30_000 });
    assert.equal(config.cacheTtlSeconds, 300);
    assert.equal(config.auth.accessTokenMinutes, 15);
    assert.equal(config.auth.refreshTokenDays, 7);
    assert.equal(config.auth.bcryptCost, 12);
    assert.equal(config.http.bodyLimitBytes, 1024 * 1024);
    assert.equal(config.http.rateLimitPerMinute, 100);
    assert.equal(config.auth.loginRateLimitPerMinute, 10);
    assert.deepEqual(config.database, { kind: 'pglite', dataDir: './.acgs/data/pglite' });
    assert.deepEqual(config.ports, { auth: 8000, ac: 8001, integrity: 8002, fv: 8003, gs: 8004, pgc: 8005 });
    assert.equal(config.maintenanceFile, '/tmp/maintenance_mode');
  });

  it('names the variable of a bad value', () => {
    assert.equal(failure({ DATABASE_POOL_SIZE: 'lots' }).variable, 'DATABASE_POOL_SIZE');
    assert.equal(failure({ DATABASE_POOL_TIMEOUT: '0' }).variable, 'DATABASE_POOL_TIMEOUT');
    assert.equal(failure({ DATABASE_URL: 'mysql://x' }).variable, 'DATABASE_URL');
    assert.equal(failure({ REDIS_URL: 'not a url' }).variable, 'REDIS_URL');
    assert.equal(failure({ AUTH_PORT: '70000' }).variable, 'AUTH_PORT');
    assert.equal(failure({ LOG_LEVEL: 'loud' }).variable, 'LOG_LEVEL');
    assert.equal(failure({ AUTH_SERVICE_SECRET_KEY: 'short' }).variable, 'AUTH_SERVICE_SECRET_KEY');
    assert.equal(failure({ BACKEND_CORS_ORIGINS: 'not-an-origin' }).variable, 'BACKEND_CORS_ORIGINS');
    assert.match(failure({ CACHE_TTL: '-5' }).message, /^CACHE_TTL: /);
    assert.equal(failure({ ACGS_TRUSTED_KEY_FINGERPRINTS: 'abc' }).variable, 'ACGS_TRUSTED_KEY_FINGERPRINTS');
    assert.equal(failure({ ACGS_SLOW_QUERY_MS: '-1' }).variable, 'ACGS_SLOW_QUERY_MS');
    assert.equal(failure({ PROMETHEUS_URL: 'ftp://x' }).variable, 'PROMETHEUS_URL');
  });

  it('reads pinned key fingerprints as lower-case hex', () => {
    const fingerprint = 'AB'.repeat(20);
    assert.deepEqual(
      loadConfig({ ACGS_TRUSTED_KEY_FINGERPRINTS: ` ${fingerprint} , ${'0'.repeat(40)}` }).enforcement
        .trustedKeyFingerprints,
      [fingerprint.toLowerCase(), '0'.repeat(40)],
    );
    assert.equal(loadConfig({}).enforcement.trustedKeyFingerprints, null);
  });

  it('reads a trace UI template with {trace_id} in it, and refuses one the console could not link or nginx not serve', () => {
    const template = 'https://jaeger.example/trace/{trace_id}';
    assert.equal(loadConfig({ ACGS_TRACE_URL_TEMPLATE: template }).console.traceUrlTemplate, template);
    assert.equal(loadConfig({}).console.traceUrlTemplate, null);
    for (const bad of [
      'https://jaeger.example/trace/',
      'javascript:alert({trace_id})',
      "https://x.example/{trace_id}'",
      'https://x.example/$host/{trace_id}',
      'not a url {trace_id}',
    ])
      assert.equal(failure({ ACGS_TRACE_URL_TEMPLATE: bad }).variable, 'ACGS_TRACE_URL_TEMPLATE', bad);
  });

  it('refuses to start in production without secrets or a real database', () => {
    assert.equal(failure({ ENVIRONMENT: 'production' }).variable, 'AUTH_SERVICE_SECRET_KEY');
    const secrets = { AUTH_SERVICE_SECRET_KEY: 'a'.repeat(32), AUTH_SERVICE_CSRF_SECRET_KEY: 'b'.repeat(32) };
    assert.equal(
      failure({ ENVIRONMENT: 'production', AUTH_SERVICE_SECRET_KEY: 'a'.repeat(32) }).variable,
      'AUTH_SERVICE_CSRF_SECRET_KEY',
    );
    assert.equal(failure({ ENVIRONMENT: 'production', ...secrets }).variable, 'ACGS_SIGNING_KEY_PASSPHRASE');
    const withPassphrase = { ...secrets, ACGS_SIGNING_KEY_PASSPHRASE: 'p'.repeat(32) };
    assert.equal(failure({ ENVIRONMENT: 'production', ...withPassphrase }).variable, 'DATABASE_URL');
    const config = loadConfig({ ENVIRONMENT: 'production', ...withPassphrase, DATABASE_URL: 'postgres://u@db/acgs' });
    assert.equal(config.secrets.jwt, 'a'.repeat(32));
  });

  it('parses CORS origins as a list or JSON array, and PGlite targets', () => {
    assert.deepEqual(
      loadConfig({ BACKEND_CORS_ORIGINS: 'https://a.example, http://localhost:3000' }).http.corsOrigins,
      ['https://a.example', 'http://localhost:3000'],
    );
    assert.deepEqual(loadConfig({ BACKEND_CORS_ORIGINS: '["https://a.example"]' }).http.corsOrigins, [
      'https://a.example',
    ]);
    assert.deepEqual(loadConfig({ DATABASE_URL: 'pglite://memory' }).database, { kind: 'pglite', dataDir: null });
    assert.deepEqual(loadConfig({ DATABASE_URL: 'pglite:///var/acgs' }).database, {
      kind: 'pglite',
      dataDir: '/var/acgs',
    });
  });
});
