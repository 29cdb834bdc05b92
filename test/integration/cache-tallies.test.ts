import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createMemoryCache, createRedisCache, type Cache } from '../../src/platform/cache.js';
import { REDIS_URL, requireRedis } from '../support/harness.js';

const useRedis = await requireRedis();

// Shared tallies (the LLM gateway's exchanges in flight): every caller hears a distinct value, and a tally that comes
// back to zero is gone rather than left behind, in memory and in Redis alike.
for (const backend of useRedis ? (['memory', 'redis'] as const) : (['memory'] as const)) {
  describe(`cache tallies in ${backend}`, () => {
    const open = async (): Promise<Cache> => {
      const prefix = `test-${randomBytes(6).toString('hex')}:`;
      return backend === 'memory' ? createMemoryCache(prefix) : createRedisCache(REDIS_URL, prefix);
    };

    it('answers each adjustment made together with its own value, and drops a tally at zero', async () => {
      const cache = await open();
      try {
        const seen = await Promise.all(Array.from({ length: 50 }, () => cache.adjust('inflight', 3, 60)));
        assert.deepEqual(
          [...seen].sort((a, b) => a - b),
          Array.from({ length: 50 }, (_, index) => (index + 1) * 3),
        );
        const back = await Promise.all(Array.from({ length: 50 }, () => cache.adjust('inflight', -3, 60)));
        assert.equal(Math.min(...back), 0);
        assert.equal(await cache.get('inflight'), null, 'a tally at zero is gone');
        // Taken below zero (its reservation outlived the tally), it is dropped, not left negative.
        assert.equal(await cache.adjust('lapsed', -2, 60), -2);
        assert.equal(await cache.get('lapsed'), null);
      } finally {
        await cache.close();
      }
    });
  });
}
