/**
 * The NOTIFY channels changes are announced on when they commit (PostgreSQL LISTEN/NOTIFY, PGlite alike): the one
 * list, so a sender and its listeners cannot drift apart.
 */
export const CHANNELS = {
  /** A signed bundle became the active one: `{version, hash}`. */
  bundleActivated: 'bundle_activated',
  /** A constitution version was enacted: `{version, hash, amendment_id}`. */
  constitutionChanged: 'constitution_changed',
} as const;
