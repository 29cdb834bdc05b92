import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { apiKeyMatches, apiKeyPrefix, generateApiKey } from '../../src/domain/auth/api-keys.js';
import { CsrfTokens } from '../../src/domain/auth/csrf.js';
import { PasswordHasher } from '../../src/domain/auth/password-hasher.js';
import { generatePassword, passwordProblems } from '../../src/domain/auth/password-policy.js';
import { admits } from '../../src/domain/auth/roles.js';
import { TokenService, TokenVerificationError } from '../../src/domain/auth/tokens.js';

const settings = {
  secret: 's'.repeat(40),
  issuer: 'acgs-pgp-auth',
  audience: 'acgs-pgp',
  accessTokenSeconds: 900,
  refreshTokenSeconds: 86400,
};

async function rejects(promise: Promise<unknown>, reason: 'expired' | 'invalid') {
  await assert.rejects(promise, (error: unknown) => error instanceof TokenVerificationError && error.reason === reason);
}

describe('tokens', () => {
  const tokens = new TokenService(settings);

  it('round-trips access and refresh tokens with the contract claims', async () => {
    const access = await tokens.issueAccessToken('u1', ['admin', 'auditor'], 's1');
    const claims = await tokens.verifyAccessToken(access);
    assert.equal(claims.sub, 'u1');
    assert.deepEqual(claims.roles, ['admin', 'auditor']);
    assert.equal(claims.sid, 's1');
    assert.equal(claims.exp - claims.iat, 900);
    const refresh = await tokens.issueRefreshToken('u1', 's1', 'j1');
    assert.deepEqual(await tokens.verifyRefreshToken(refresh), {
      sub: 'u1',
      sid: 's1',
      jti: 'j1',
      exp: (await tokens.verifyRefreshToken(refresh)).exp,
    });
  });

  it('never accepts a refresh token as an access token or the reverse', async () => {
    await rejects(tokens.verifyAccessToken(await tokens.issueRefreshToken('u1', 's1', 'j1')), 'invalid');
    await rejects(tokens.verifyRefreshToken(await tokens.issueAccessToken('u1', [], 's1')), 'invalid');
  });

  it('rejects alg none, a wrong secret, expiry and a wrong audience', async () => {
    const unsecured = new UnsecuredJWT({ roles: ['admin'], sid: 's', typ: 'access' })
      .setSubject('u')
      .setJti('j')
      .setIssuedAt()
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setExpirationTime('1h')
      .encode();
    await rejects(tokens.verifyAccessToken(unsecured), 'invalid');
    await rejects(
      new TokenService({ ...settings, secret: 'x'.repeat(40) }).verifyAccessToken(
        await tokens.issueAccessToken('u', [], 's'),
      ),
      'invalid',
    );
    const key = new TextEncoder().encode(settings.secret);
    const expired = await new SignJWT({ roles: [], sid: 's', typ: 'access' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setJti('j')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(key);
    await rejects(tokens.verifyAccessToken(expired), 'expired');
    await rejects(
      new TokenService({ ...settings, audience: 'someone-else' }).verifyAccessToken(
        await tokens.issueAccessToken('u', [], 's'),
      ),
      'invalid',
    );
    const forgedRoles = await new SignJWT({ roles: ['emperor'], sid: 's', typ: 'access' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setJti('j')
      .setIssuedAt()
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setExpirationTime('1h')
      .sign(key);
    await rejects(tokens.verifyAccessToken(forgedRoles), 'invalid');
  });
});

describe('csrf tokens', () => {
  const csrf = new CsrfTokens('c'.repeat(40));
  it('verify only for the session they were issued to', () => {
    const token = csrf.issue('session-a');
    assert.ok(csrf.verify('session-a', token));
    assert.ok(!csrf.verify('session-b', token));
    assert.ok(!csrf.verify('session-a', undefined));
    assert.ok(!csrf.verify('session-a', `${token}x`));
    assert.ok(!csrf.verify('session-a', 'garbage'));
    assert.ok(!new CsrfTokens('d'.repeat(40)).verify('session-a', token));
  });
});

describe('api keys', () => {
  it('are unique, prefixed and verified by hash', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    assert.notEqual(a.key, b.key);
    assert.equal(apiKeyPrefix(a.key), a.prefix);
    assert.ok(apiKeyMatches(a.key, a.hash));
    assert.ok(!apiKeyMatches(b.key, a.hash));
    assert.equal(apiKeyPrefix('acgs_short'), null);
  });
});

describe('password policy', () => {
  it('generates only passwords the account can be created with: a draw holding the local part is drawn again', () => {
    // The first draw encodes to a password containing "OPS" (CI once met one for ops@example.com).
    const draws = [Buffer.from('OPSxxxxxxxxxxxxxxxxxxxxx', 'base64url'), Buffer.from('a'.repeat(18))];
    const password = generatePassword('ops@example.com', () => draws.shift()!);
    assert.equal(draws.length, 0, 'drew twice');
    assert.deepEqual(passwordProblems(password, 'ops@example.com'), []);
    assert.equal(password, Buffer.from('a'.repeat(18)).toString('base64url'));
  });

  it('enforces length, common passwords and the email local part', () => {
    assert.deepEqual(passwordProblems('correct-Horse-battery-9', 'ann@example.com'), []);
    assert.ok(passwordProblems('short', 'ann@example.com').some((p) => p.includes('12 characters')));
    assert.ok(passwordProblems('password1234', 'ann@example.com').includes('is too common'));
    assert.ok(passwordProblems('Password1234!!', 'ann@example.com').includes('is too common'));
    assert.ok(passwordProblems('qwertyuiop123', 'ann@example.com').includes('is too common'));
    assert.ok(
      passwordProblems('my-name-is-annabelle-ok', 'annabelle@example.com').includes(
        "must not contain the email's local part",
      ),
    );
  });
});

describe('password hasher', () => {
  it('produces $2b$ hashes at the configured cost and verifies them', async () => {
    const hasher = new PasswordHasher(12);
    const hash = await hasher.hash('correct-Horse-battery-9');
    assert.match(hash, /^\$2b\$12\$/);
    assert.ok(await hasher.verify('correct-Horse-battery-9', hash));
    assert.ok(!(await hasher.verify('wrong-Horse-battery-9', hash)));
    assert.equal(await hasher.verifyAgainstDecoy('anything'), false);
  });
});

describe('role rules', () => {
  it('admit by role list, or anyone for public/authenticated', () => {
    assert.ok(admits('public', []));
    assert.ok(admits('authenticated', []));
    assert.ok(admits(['admin', 'auditor'], ['auditor']));
    assert.ok(!admits(['admin'], ['policy_manager', 'agent']));
  });
});
