import type { Role } from '../auth/roles.js';
import type { Vote } from './types.js';

/** Who acts on the constitution: the account and the roles it holds. */
export interface Actor {
  userId: string;
  roles: readonly Role[];
}

/** What the constitution's parts report as they work (ac counts them as metrics). */
export interface ConstitutionObserver {
  amendmentStatus(status: string): void;
  voteCast(vote: Vote): void;
  versionEnacted(version: number): void;
}
