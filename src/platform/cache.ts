import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { ServiceUnavailableError } from '../domain/errors.js';

/** Shared key/value state: revocations, counters, cached lookups. Redis when configured, else in-process. */
export interface Cache {
  readonly backend: 'memory' | 'redis';
  /** The Redis client, for plugins that speak Redis themselves (rate limiting); null in memory mode. */
  readonly redis: Redis | null;
  /** Prefix applied to every key, so tests and tenants can share a Redis. */
  readonly prefix: string;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(key: string): Promise<void>;
  /** Increments a counter whose window starts with its first increment and lasts ttlSeconds. */
  increment(key: string, ttlSeconds: number): Promise<number>;
  /**
   * Adds `by` (negative to take away) to a shared tally and answers the new value, atomically; the tally lives
   * ttlSeconds after its last change, and one that comes to zero or below is gone.
   */
  adjust(key: string, by: number, ttlSeconds: number): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createMemoryCache(prefix = 'acgs:'): Cache {
  const store = new LRUCache<string, string>({ max: 100_000, ttlAutopurge: false });
  return {
    backend: 'memory',
    redis: null,
    prefix,
    get: async (key) => store.get(prefix + key) ?? null,
    set: async (key, value, ttlSeconds) => void store.set(prefix + key, value, { ttl: ttlSeconds * 1000 }),
    del: async (key) => void store.delete(prefix + key),
    increment: async (key, ttlSeconds) => {
      const full = prefix + key;
      const current = Number(store.get(full) ?? '0') + 1;
      const remaining = store.getRemainingTTL(full);
      store.set(full, String(current), {
        ttl: current === 1 || !Number.isFinite(remaining) || remaining <= 0 ? ttlSeconds * 1000 : remaining,
      });
      return current;
    },
    adjust: async (key, by, ttlSeconds) => {
      const full = prefix + key;
      const value = Number(store.get(full) ?? '0') + by;
      if (value <= 0) store.delete(full);
      else store.set(full, String(value), { ttl: ttlSeconds * 1000 });
      return value;
    },
    ping: async () => undefined,
    close: async () => store.clear(),
  };
}

/** INCRBY, then the tally's lifetime renewed, or the tally dropped when nothing is left: one atomic step. */
const ADJUST_SCRIPT = `local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if value <= 0 then redis.call('DEL', KEYS[1]) else redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return value`;

export async function createRedisCache(url: string, prefix = 'acgs:'): Promise<Cache> {
  // While the connection is down, commands fail at once (no offline queue) and a command on a connection that
  // went silent gives up after a second: callers get a quick 503 to retry, not a request that hangs for the outage.
  // Every authenticated request reads two keys; auto-pipelining sends the commands of one event-loop tick in one
  // write, where under load one write per command was the larger part of the cost of asking.
  const redis = new Redis(url, {
    enableAutoPipelining: true,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: 1000,
    connectTimeout: 5000,
  });
  // Connection errors surface through failing commands and /health; an unhandled 'error' event would crash us.
  redis.on('error', () => undefined);
  await redis.connect();
  // Revocation checks read the cache on every authenticated request: when Redis is gone we fail closed with a 503
  // the client can retry, not a 500 that reads as our bug.
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch {
      throw new ServiceUnavailableError('The cache (Redis) is unreachable', 'CACHE_UNAVAILABLE', 5);
    }
  };
  return {
    backend: 'redis',
    redis,
    prefix,
    get: (key) => guarded(() => redis.get(prefix + key)),
    set: (key, value, ttlSeconds) => guarded(async () => void (await redis.set(prefix + key, value, 'EX', ttlSeconds))),
    del: (key) => guarded(async () => void (await redis.del(prefix + key))),
    increment: (key, ttlSeconds) =>
      guarded(async () => {
        const full = prefix + key;
        const [[, count]] = (await redis.multi().incr(full).expire(full, ttlSeconds, 'NX').exec()) as [[null, number]];
        return count;
      }),
    adjust: (key, by, ttlSeconds) =>
      guarded(async () => Number(await redis.eval(ADJUST_SCRIPT, 1, prefix + key, by, ttlSeconds))),
    ping: async () => void (await redis.ping()),
    close: async () => void (await redis.quit().catch(() => redis.disconnect())),
  };
}

export async function openCache(redisUrl: string | null, prefix?: string): Promise<Cache> {
  return redisUrl === null ? createMemoryCache(prefix) : createRedisCache(redisUrl, prefix);
}
