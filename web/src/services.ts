import { api } from './api/client.js';
import type { Health } from './api/types.js';

export const SERVICE_NAMES = ['auth', 'ac', 'integrity', 'fv', 'gs', 'pgc'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The API version this console was built against: an answer with another major.minor may not fit its pages. */
export const EXPECTED_API_VERSION = '0.1';

export const compatibleVersion = (version: string) => version.split('.').slice(0, 2).join('.') === EXPECTED_API_VERSION;

export type ServiceHealth = { service: ServiceName; health: Health | null; error: string | null };

/** Every service's /health through the console's own origin; an unreachable one is reported, not thrown. */
export function fetchAllHealth(): Promise<ServiceHealth[]> {
  return Promise.all(
    SERVICE_NAMES.map((service) =>
      api.get<Health>(`/${service}/health`).then(
        (health) => ({ service, health, error: null }),
        (error: unknown) => ({ service, health: null, error: error instanceof Error ? error.message : String(error) }),
      ),
    ),
  );
}
