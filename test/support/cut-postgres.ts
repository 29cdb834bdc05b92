import { createTestPlatform, POSTGRES_URL, type TestPlatform } from './harness.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/**
 * A PostgreSQL platform whose connections go through a TCP proxy a test can cut and restore, and a second platform
 * on the same schema that connects directly, to look at the database while the first one cannot.
 */
export async function postgresBehindProxy(env: Record<string, string> = {}): Promise<{
  proxy: TcpProxy;
  env: Awaited<ReturnType<typeof createTestPlatform>>;
  direct: TestPlatform;
  close(): Promise<void>;
}> {
  const url = new URL(POSTGRES_URL);
  const proxy = await startTcpProxy(url.hostname, Number(url.port));
  // A short pool timeout, so requests during a cut fail fast instead of queueing.
  const proxied = await createTestPlatform('postgres', {
    env: { DATABASE_POOL_TIMEOUT: '2', ...env },
    databaseUrl: proxy.rewrite,
  });
  const direct = await createTestPlatform('postgres', { schema: proxied.schema! });
  return {
    proxy,
    env: proxied,
    direct,
    close: async () => {
      await direct.cleanup();
      await proxied.cleanup();
      await proxy.close();
    },
  };
}
