import { existsSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import type { onRequestHookHandler } from 'fastify';
import { ServiceUnavailableError } from '../../domain/errors.js';
import { SAFE_METHODS } from './access.js';

/** How often the maintenance file is looked at: a change is seen within this, at a few stat calls a second. */
export const MAINTENANCE_POLL_MS = 250;

/**
 * Whether maintenance mode is on (the maintenance file exists), as a watched value: asking costs nothing, where a
 * filesystem call per request cost the decision API ~1 % of its CPU. The file is stat-polled (fs.watchFile), which
 * also works before the file or on filesystems without change events.
 */
export class MaintenanceMode {
  private present: boolean;
  private readonly listener = (current: Stats) => {
    this.present = current.nlink > 0;
  };

  constructor(private readonly file: string) {
    this.present = existsSync(file);
    watchFile(file, { interval: MAINTENANCE_POLL_MS, persistent: false }, this.listener);
  }

  get on(): boolean {
    return this.present;
  }

  close(): void {
    unwatchFile(this.file, this.listener);
  }
}

/** While maintenance mode is on, state-changing requests are refused; reads and health keep answering. */
export function maintenanceHook(mode: MaintenanceMode): onRequestHookHandler {
  return (request, _reply, done) => {
    if (SAFE_METHODS.has(request.method) || !mode.on) return done();
    done(new ServiceUnavailableError('The system is in maintenance mode; changes are paused', 'MAINTENANCE_MODE', 60));
  };
}
