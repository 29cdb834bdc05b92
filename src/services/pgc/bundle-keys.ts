import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config } from '../../platform/config.js';

export interface BundleKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export const bundleKeyFile = (config: Config) => config.bundleKeyFile ?? join(config.dataDir, 'keys', 'bundle-signing.pem');

/**
 * The interim bundle signing key (Ed25519, PKCS#8 PEM, mode 0600), created on first use. Every PGC instance that
 * verifies bundles must read the same file; the integrity service replaces this with OpenPGP keys.
 */
export async function loadBundleKeys(config: Config): Promise<BundleKeys> {
  const file = bundleKeyFile(config);
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, pem, { mode: 0o600, flag: 'wx' }).catch(async (writeError: NodeJS.ErrnoException) => {
      // Another process created it first; use theirs so both sign with one key.
      if (writeError.code !== 'EEXIST') throw writeError;
      pem = await readFile(file, 'utf8');
    });
  }
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
