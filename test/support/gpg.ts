import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const gpgAvailable = spawnSync('gpg', ['--version']).status === 0;
if (!gpgAvailable && process.env['CI'] === 'true')
  throw new Error('GnuPG (gpg) is required in CI; .ci/run installs Debian gnupg');

/** gpg --import key.asc && gpg --verify bundle.sig bundle.json, in a throwaway keyring. */
export function gpgVerifies(armoredPublicKey: string, data: Buffer, signature: string): boolean {
  const home = mkdtempSync(join(tmpdir(), 'acgs-gpg-'));
  try {
    writeFileSync(join(home, 'key.asc'), armoredPublicKey);
    writeFileSync(join(home, 'bundle.json'), data);
    writeFileSync(join(home, 'bundle.sig'), signature);
    const env = { ...process.env, GNUPGHOME: home };
    assert.equal(spawnSync('gpg', ['--batch', '--import', join(home, 'key.asc')], { env }).status, 0);
    return (
      spawnSync('gpg', ['--batch', '--verify', join(home, 'bundle.sig'), join(home, 'bundle.json')], { env }).status ===
      0
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
