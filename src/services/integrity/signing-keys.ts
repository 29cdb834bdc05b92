import {
  generateSigningKey,
  signDetached,
  unlockKey,
  verifyDetached,
  type UnlockedKey,
} from '../../domain/crypto/openpgp.js';
import type { AuditLog } from '../../platform/audit/log.js';
import type { HeadSignatureCheck, HeadSigner } from '../../platform/audit/tree-heads.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { isoOrNull } from '../../platform/http/iso-time.js';
import type { Platform } from '../../platform/platform.js';
import { ValidationError } from '../../domain/errors.js';

export interface SigningKeyInfo {
  fingerprint: string;
  armored_public: string;
  active: boolean;
  created_at: string;
  retired_at: string | null;
}

interface KeyRow {
  fingerprint: string;
  armored_public: string;
  armored_private: string;
  active: boolean;
  created_at: Date;
  retired_at: Date | null;
}

// Any constant works, as long as every process creating or rotating keys uses the same one.
const KEY_LOCK = 727_170_5;

/** Verifies against every key the platform ever had, so rotation never invalidates an old signature. */
export async function verifyWithPlatformKeys(
  db: Queryable,
  data: Uint8Array,
  armoredSignature: string,
): Promise<{ valid: boolean; fingerprint: string | null }> {
  const rows = await db.query<{ armored_public: string }>('SELECT armored_public FROM signing_keys');
  return verifyDetached(
    data,
    armoredSignature,
    rows.map((row) => row.armored_public),
  );
}

/** A tree head's signature check: a stored signature that no longer parses was tampered with, a finding. */
export const signedByPlatformKey: HeadSignatureCheck = async (q, data, signature) => {
  try {
    return (await verifyWithPlatformKeys(q, data, signature)).valid;
  } catch (error) {
    if (error instanceof ValidationError) return false;
    throw error;
  }
};

/** The platform's OpenPGP keys: one active for signing, retired ones kept for verifying what they signed. */
export class SigningKeys implements HeadSigner {
  private unlocked: { fingerprint: string; key: UnlockedKey } | null = null;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditLog,
    private readonly passphrase: string,
  ) {}

  /**
   * The active key, created on first use (under a lock, so instances starting together make one). Inside a caller's
   * transaction (`q`) it is only read: creating one there would need a second transaction, so call active() first.
   */
  async active(q: Queryable = this.db): Promise<{ fingerprint: string; key: UnlockedKey }> {
    let row = (await q.query<KeyRow>('SELECT * FROM signing_keys WHERE active'))[0];
    if (row === undefined) {
      if (q !== this.db)
        throw new Error('no active signing key yet; create it (active()) before opening the transaction');
      row = await this.create(false);
    }
    if (this.unlocked?.fingerprint !== row.fingerprint)
      this.unlocked = { fingerprint: row.fingerprint, key: await unlockKey(row.armored_private, this.passphrase) };
    return this.unlocked;
  }

  async list(): Promise<SigningKeyInfo[]> {
    await this.active();
    const rows = await this.db.query<KeyRow>('SELECT * FROM signing_keys ORDER BY created_at');
    return rows.map((row) => ({
      fingerprint: row.fingerprint,
      armored_public: row.armored_public,
      active: row.active,
      created_at: row.created_at.toISOString(),
      retired_at: isoOrNull(row.retired_at),
    }));
  }

  /** Retires the active key (kept for verification) and makes a new one active. */
  async rotate(actorId: string): Promise<SigningKeyInfo> {
    const row = await this.create(true, actorId);
    return {
      fingerprint: row.fingerprint,
      armored_public: row.armored_public,
      active: true,
      created_at: row.created_at.toISOString(),
      retired_at: null,
    };
  }

  async ready(): Promise<void> {
    await this.active();
  }

  async sign(data: Uint8Array, q: Queryable = this.db): Promise<{ signature: string; fingerprint: string }> {
    const { fingerprint, key } = await this.active(q);
    return { signature: await signDetached(data, key), fingerprint };
  }

  verify(data: Uint8Array, armoredSignature: string): Promise<{ valid: boolean; fingerprint: string | null }> {
    return verifyWithPlatformKeys(this.db, data, armoredSignature);
  }

  private async create(rotate: boolean, actorId: string | null = null): Promise<KeyRow> {
    const generated = await generateSigningKey(this.passphrase);
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
      if (!rotate) {
        const existing = (await tx.query<KeyRow>('SELECT * FROM signing_keys WHERE active'))[0];
        if (existing !== undefined) return existing;
      }
      await tx.query('UPDATE signing_keys SET active = false, retired_at = now() WHERE active');
      const row = (
        await tx.query<KeyRow>(
          'INSERT INTO signing_keys (fingerprint, armored_public, armored_private, active) VALUES ($1, $2, $3, true) RETURNING *',
          [generated.fingerprint, generated.armoredPublic, generated.armoredPrivate],
        )
      )[0]!;
      await this.audit.record(
        {
          userId: actorId,
          action: rotate ? 'crypto.key_rotated' : 'crypto.key_created',
          resource: `signing_key:${generated.fingerprint}`,
        },
        tx,
      );
      return row;
    });
  }
}

const keysByPlatform = new WeakMap<Platform, SigningKeys>();

/**
 * The platform's signing keys, one instance per platform: unlocking the private key costs tens of milliseconds, so
 * every service of a process shares the unlocked key (it is unlocked again only after a rotation).
 */
export function platformSigningKeys(platform: Platform): SigningKeys {
  let keys = keysByPlatform.get(platform);
  if (keys === undefined) {
    keys = new SigningKeys(platform.db, platform.audit, platform.signingKeyPassphrase);
    keysByPlatform.set(platform, keys);
  }
  return keys;
}
