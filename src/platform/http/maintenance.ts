import { existsSync } from 'node:fs';
import type { onRequestHookHandler } from 'fastify';
import { ServiceUnavailableError } from '../../domain/errors.js';
import { SAFE_METHODS } from './access.js';

export function maintenanceModeOn(file: string): boolean {
  return existsSync(file);
}

/** While the maintenance file exists, state-changing requests are refused; reads and health keep answering. */
export function maintenanceHook(file: string): onRequestHookHandler {
  return async (request) => {
    if (SAFE_METHODS.has(request.method) || !maintenanceModeOn(file)) return;
    throw new ServiceUnavailableError('The system is in maintenance mode; changes are paused', 'MAINTENANCE_MODE', 60);
  };
}
