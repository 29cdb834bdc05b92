import { spawnSync } from 'node:child_process';

/**
 * Whether a Debian-packaged tool the tests drive is installed. Outside CI a missing one skips its tests; in CI it
 * fails the run (.ci/run installs them).
 */
export function binaryAvailable(command: string, versionArgs: readonly string[], debianPackage: string): boolean {
  const available = spawnSync(command, [...versionArgs]).status === 0;
  if (!available && process.env['CI'] === 'true')
    throw new Error(`${command} is required in CI; .ci/run installs Debian ${debianPackage}`);
  return available;
}
