import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import client from 'prom-client';
import { principalOf } from '../../../platform/http/access.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { IntegrityContext } from '../context.js';
import { HashView, SignatureView, SigningKeyList, SigningKeyView, VerificationView } from '../schemas.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

const Encoding = Type.Optional(Type.Union([Type.Literal('utf8'), Type.Literal('base64')], { default: 'utf8' }));
const Data = Type.String({ maxLength: 1024 * 1024, description: 'the bytes, as UTF-8 text or base64 (see encoding)' });
const SignBody = Type.Object({ data: Data, encoding: Encoding }, { additionalProperties: false });
const VerifyBody = Type.Object(
  { data: Data, encoding: Encoding, signature: Type.String({ minLength: 1, maxLength: 64 * 1024 }) },
  { additionalProperties: false },
);
const HashBody = Type.Object(
  { data: Data, encoding: Encoding, algorithm: Type.Union([Type.Literal('sha256'), Type.Literal('sha3-256')]) },
  { additionalProperties: false },
);

const bytesOf = (body: { data: string; encoding?: 'utf8' | 'base64' }) =>
  Buffer.from(body.data, body.encoding ?? 'utf8');

/** Keys, signatures and hashes (OpenPGP, verifiable with GnuPG). */
export function registerSignatureRoutes(app: ServiceApp, { platform, metrics, keys }: IntegrityContext): void {
  const signatures = new client.Counter({
    name: 'acgs_signatures_total',
    help: 'Signatures made and checked, by result',
    labelNames: ['result'] as const,
    registers: [metrics.registry],
  });

  app.get(
    '/api/v1/crypto/keys',
    {
      config: { access: 'public' },
      schema: {
        tags: ['crypto'],
        summary: 'Armored public keys (active and retired) with fingerprints',
        response: { 200: SigningKeyList },
      },
    },
    async () => ({ items: await keys.list() }),
  );

  app.post(
    '/api/v1/crypto/keys/rotate',
    {
      config: { access: AUDIENCES.admins },
      schema: {
        tags: ['crypto'],
        summary: 'Retire the active signing key and create a new one; old signatures still verify',
        response: { 201: SigningKeyView, ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => reply.status(201).send(await keys.rotate(principalOf(request).userId)),
  );

  app.post(
    '/api/v1/crypto/sign',
    {
      config: { access: AUDIENCES.admins },
      schema: {
        tags: ['crypto'],
        summary: 'Detached armored OpenPGP signature with the active key (admin only: it is the platform key)',
        body: SignBody,
        response: { 200: SignatureView, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const signed = await keys.sign(bytesOf(request.body));
      signatures.inc({ result: 'signed' });
      await platform.audit.record({
        userId: principalOf(request).userId,
        action: 'crypto.signed',
        resource: `signing_key:${signed.fingerprint}`,
        details: { sha256: createHash('sha256').update(bytesOf(request.body)).digest('hex') },
        requestId: request.id,
      });
      return signed;
    },
  );

  app.post(
    '/api/v1/crypto/verify',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['crypto'],
        summary: 'Check a detached signature against every platform key, active or retired',
        body: VerifyBody,
        response: { 200: VerificationView, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const result = await keys.verify(bytesOf(request.body), request.body.signature);
      signatures.inc({ result: result.valid ? 'valid' : 'invalid' });
      return result;
    },
  );

  app.post(
    '/api/v1/crypto/hash',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['crypto'],
        summary: 'SHA-256 or SHA3-256 of the data, hex',
        body: HashBody,
        response: { 200: HashView, ...errorResponses(400, 401) },
      },
    },
    async (request) => ({
      algorithm: request.body.algorithm,
      hash: createHash(request.body.algorithm).update(bytesOf(request.body)).digest('hex'),
    }),
  );
}
