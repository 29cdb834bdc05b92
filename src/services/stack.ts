import type { FastifyInstance } from 'fastify';
import type { ServiceName } from '../platform/config.js';
import { createServiceApp } from '../platform/http/server.js';
import type { Platform } from '../platform/platform.js';
import { SERVICES } from './catalog.js';

export interface RunningService {
  name: ServiceName;
  app: FastifyInstance;
  url: string;
}

export interface RunningStack {
  services: RunningService[];
  /** Stops accepting connections, lets in-flight requests finish, then closes the pool and cache. */
  close(): Promise<void>;
}

/** Starts the given services on one shared platform; port 0 picks a free port (tests). */
export async function startServices(
  platform: Platform,
  names: readonly ServiceName[],
  ports: Partial<Record<ServiceName, number>> = {},
): Promise<RunningStack> {
  const services: RunningService[] = [];
  const stopAll = async () => {
    await Promise.allSettled(services.map((service) => service.app.close()));
  };
  try {
    for (const name of names) {
      const app = await createServiceApp(SERVICES[name], platform);
      const port = ports[name] ?? platform.config.ports[name];
      await app.listen({ port, host: platform.config.host });
      const address = app.server.address();
      const actualPort = typeof address === 'object' && address !== null ? address.port : port;
      services.push({ name, app, url: `http://${platform.config.host}:${actualPort}` });
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  let closing: Promise<void> | null = null;
  return {
    services,
    close: () =>
      (closing ??= (async () => {
        await stopAll();
        await platform.close();
      })()),
  };
}

/**
 * Exits cleanly on SIGTERM/SIGINT once in-flight requests are done; a second signal exits at once. Installed before
 * start-up so a signal that lands while services are still starting waits for them and then stops them too.
 */
export function shutdownOnSignals(log: (message: string) => void): { attach(stack: RunningStack): void } {
  let stack: RunningStack | null = null;
  let requested = false;
  const stop = () =>
    stack!.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  const onSignal = (signal: NodeJS.Signals) => {
    if (requested) process.exit(1);
    requested = true;
    log(`${signal} received: finishing in-flight requests`);
    if (stack !== null) void stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    attach(running) {
      stack = running;
      if (requested) void stop();
    },
  };
}
