import { NotFoundError } from '../../../domain/errors.js';
import type { TreeHeads } from '../../../platform/audit/tree-heads.js';
import { errorResponses } from '../../../platform/http/schemas.js';
import type { ServiceApp, ServiceContext } from '../../../platform/http/server.js';
import { bundleLogProof } from '../../integrity/bundle-log-proof.js';
import type { BundleStore } from '../../integrity/bundle-store.js';
import { LoggedBundleView } from '../../integrity/schemas.js';
import type { ActiveBundle } from '../enforcement/active-bundle.js';

/** The bundle this instance enforces, signed and with its log proof, for local guards that decide in-process. */
export function registerBundleRoutes(
  app: ServiceApp,
  { platform }: ServiceContext,
  active: ActiveBundle,
  store: BundleStore,
  heads: TreeHeads,
): void {
  app.get(
    '/api/v1/enforcement/bundle',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['enforcement'],
        summary: 'The signed bundle in force with the audit log proof of its activation, for local guards',
        response: { 200: LoggedBundleView, ...errorResponses(401, 404) },
      },
    },
    async () => {
      const engine = active.engine;
      if (engine === null) throw new NotFoundError('No verified bundle is in force', 'NO_ACTIVE_BUNDLE');
      const signed = await store.active();
      if (signed === null || signed.hash !== engine.bundleHash)
        throw new NotFoundError('The bundle in force is being replaced; retry', 'NO_ACTIVE_BUNDLE');
      return { ...signed, log_proof: await bundleLogProof(platform.db, heads, signed, null) };
    },
  );
}
