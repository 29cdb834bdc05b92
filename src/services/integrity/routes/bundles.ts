import { Type } from '@sinclair/typebox';
import type { SignedBundle } from '../../../domain/policy/bundle.js';
import { NotFoundError } from '../../../domain/errors.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { IntegrityContext } from '../context.js';
import { bundleLogProof } from '../bundle-log-proof.js';
import { BundleQuery, BundleVersionParam, ServedBundleView } from '../schemas.js';

/** Signed bundles as PGC and agents fetch them: the bundle, its signature and the log's proof of its activation. */
export function registerBundleRoutes(app: ServiceApp, { platform, heads, bundles }: IntegrityContext): void {
  const bundleView = async (signed: SignedBundle, sinceTreeSize: number | undefined) => ({
    bundle: signed.bundle,
    hash: signed.hash,
    signature: signed.signature,
    key_fingerprint: signed.key_id,
    signed_bytes: 'RFC 8785 canonical JSON of bundle, UTF-8',
    log_proof: await bundleLogProof(platform.db, heads, signed, sinceTreeSize ?? null),
  });

  app.get(
    '/api/v1/bundles/active',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['bundles'],
        summary:
          'The bundle in force with its detached OpenPGP signature and the audit log proof of its activation (ETag = bundle hash; If-None-Match → 304)',
        querystring: BundleQuery,
        response: {
          200: ServedBundleView,
          304: Type.Null({ description: 'Not modified: If-None-Match holds the bundle hash' }),
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const signed = await bundles.active();
      if (signed === null) throw new NotFoundError('No bundle has been activated', 'NO_ACTIVE_BUNDLE');
      const etag = `"${signed.hash}"`;
      reply.header('etag', etag);
      if (request.headers['if-none-match'] === etag) return reply.status(304).send(null);
      return bundleView(signed, request.query.since_tree_size);
    },
  );

  app.get(
    '/api/v1/bundles/:version',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['bundles'],
        summary: 'One bundle version with its signature and log proof',
        params: BundleVersionParam,
        querystring: BundleQuery,
        response: { 200: ServedBundleView, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const signed = await bundles.version(request.params.version);
      if (signed === null) throw new NotFoundError(`No bundle version ${request.params.version}`, 'BUNDLE_NOT_FOUND');
      return bundleView(signed, request.query.since_tree_size);
    },
  );
}
