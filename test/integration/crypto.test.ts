import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { gpgAvailable, gpgVerifies } from '../support/gpg.js';
import { backends, createTestApp, createTestPlatform, tokenFor, type TestPlatform } from '../support/harness.js';

for (const backend of await backends()) {
  describe(`OpenPGP keys and the crypto API on ${backend}`, () => {
    let env: TestPlatform;
    let app: FastifyInstance;
    let admin: Record<string, string>;
    let auditor: Record<string, string>;
    before(async () => {
      env = await createTestPlatform(backend);
      app = await createTestApp('integrity', env.platform);
      admin = (await tokenFor(env.platform, ['admin'])).headers;
      auditor = (await tokenFor(env.platform, ['auditor'])).headers;
    });
    after(async () => {
      await app.close();
      await env.cleanup();
    });

    const data = Buffer.from(JSON.stringify({ format: 'acgs-bundle/1', policies: ['a', 'b'] }));
    const sign = async (payload: object) =>
      (await app.inject({ method: 'POST', url: '/api/v1/crypto/sign', headers: admin, payload })).json<{
        signature: string;
        fingerprint: string;
      }>();
    const verify = async (payload: object) =>
      app.inject({ method: 'POST', url: '/api/v1/crypto/verify', headers: auditor, payload });

    it(
      'signs with a key GnuPG accepts, and refuses a changed file',
      { skip: gpgAvailable ? false : 'gpg not installed (required in CI)' },
      async () => {
        const keys = (await app.inject({ method: 'GET', url: '/api/v1/crypto/keys' })).json().items;
        assert.equal(keys.length, 1);
        assert.match(keys[0].armored_public, /BEGIN PGP PUBLIC KEY BLOCK/);
        const signed = await sign({ data: data.toString('base64'), encoding: 'base64' });
        assert.equal(signed.fingerprint, keys[0].fingerprint);
        assert.ok(gpgVerifies(keys[0].armored_public, data, signed.signature));
        assert.ok(!gpgVerifies(keys[0].armored_public, Buffer.concat([data, Buffer.from(' ')]), signed.signature));
      },
    );

    it('verifies signatures from retired keys after a rotation', async () => {
      const before = await sign({ data: 'release 1' });
      const rotated = await app.inject({ method: 'POST', url: '/api/v1/crypto/keys/rotate', headers: admin });
      assert.equal(rotated.statusCode, 201);
      assert.notEqual(rotated.json().fingerprint, before.fingerprint);
      const afterRotation = await sign({ data: 'release 2' });
      assert.equal(afterRotation.fingerprint, rotated.json().fingerprint);
      assert.deepEqual((await verify({ data: 'release 1', signature: before.signature })).json(), {
        valid: true,
        fingerprint: before.fingerprint,
      });
      assert.deepEqual((await verify({ data: 'release 2', signature: afterRotation.signature })).json(), {
        valid: true,
        fingerprint: afterRotation.fingerprint,
      });
      assert.deepEqual((await verify({ data: 'release 3', signature: afterRotation.signature })).json(), {
        valid: false,
        fingerprint: null,
      });
      const keys = (await app.inject({ method: 'GET', url: '/api/v1/crypto/keys' })).json().items;
      assert.deepEqual(
        keys.filter((key: { active: boolean }) => key.active).map((key: { fingerprint: string }) => key.fingerprint),
        [afterRotation.fingerprint],
      );
      assert.ok(
        keys.some(
          (key: { fingerprint: string; retired_at: string | null }) =>
            key.fingerprint === before.fingerprint && key.retired_at !== null,
        ),
      );
    });

    it('hashes with SHA-256 and SHA3-256 (FIPS 180-4 / 202 "abc" vectors)', async () => {
      const hash = async (algorithm: string) =>
        (
          await app.inject({
            method: 'POST',
            url: '/api/v1/crypto/hash',
            headers: auditor,
            payload: { algorithm, data: 'abc' },
          })
        ).json().hash;
      assert.equal(await hash('sha256'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      assert.equal(await hash('sha3-256'), '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532');
    });

    it('answers malformed armor and wrong roles with 4xx', async () => {
      const malformed = await verify({
        data: 'x',
        signature: '-----BEGIN PGP SIGNATURE-----\nnot base64 at all\n-----END PGP SIGNATURE-----',
      });
      assert.equal(malformed.statusCode, 400);
      assert.equal(malformed.json().error_code, 'INVALID_OPENPGP');
      assert.equal((await verify({ data: 'x', signature: 'hello' })).statusCode, 400);
      assert.equal(
        (await app.inject({ method: 'POST', url: '/api/v1/crypto/sign', headers: auditor, payload: { data: 'x' } }))
          .statusCode,
        403,
      );
      assert.equal(
        (
          await app.inject({
            method: 'POST',
            url: '/api/v1/crypto/hash',
            headers: auditor,
            payload: { data: 'x', algorithm: 'md5' },
          })
        ).statusCode,
        400,
      );
      assert.equal(
        (await app.inject({ method: 'POST', url: '/api/v1/crypto/keys/rotate', headers: auditor })).statusCode,
        403,
      );
    });
  });
}
