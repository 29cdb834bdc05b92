import type { FastifyInstance } from 'fastify';
import type { Platform } from '../../src/platform/platform.js';
import { apiKeyFor, createTestApp, tokenFor } from './harness.js';

export interface GovernanceApps {
  ac: FastifyInstance;
  integrity: FastifyInstance;
  pgc: FastifyInstance;
  gs: FastifyInstance;
  /** Two policy managers: one authors, the other approves (the two-person rule). */
  author: Record<string, string>;
  approver: Record<string, string>;
  /** An agent's API key headers, for the decision API. */
  agent: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The services the governance loop crosses, on one platform, in start order: the constitution first (`afterAc` can
 * enact one before enforcement builds its first bundle), then integrity, PGC and synthesis.
 */
export async function governanceApps(
  platform: Platform,
  afterAc: (ac: FastifyInstance) => Promise<void> = async () => {},
): Promise<GovernanceApps> {
  const ac = await createTestApp('ac', platform);
  await afterAc(ac);
  const integrity = await createTestApp('integrity', platform);
  const pgc = await createTestApp('pgc', platform);
  const gs = await createTestApp('gs', platform);
  return {
    ac,
    integrity,
    pgc,
    gs,
    author: (await tokenFor(platform, ['policy_manager'])).headers,
    approver: (await tokenFor(platform, ['policy_manager'])).headers,
    agent: (await apiKeyFor(platform)).headers,
    close: async () => {
      for (const app of [gs, pgc, integrity, ac]) await app.close();
    },
  };
}
