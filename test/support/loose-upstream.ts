import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The upstream's script: run it with `node --import tsx`, LOOSE_UPSTREAM_STATE naming its state file. */
export const LOOSE_UPSTREAM_SERVER = fileURLToPath(new URL('./loose-upstream-server.ts', import.meta.url));

export interface LooseUpstreamState {
  /** The description `weather` gives now: change it to rug-pull. */
  weatherDescription: string;
  /** Every call that reached this server, by the tool it resolved to. */
  ran: string[];
}

export const CREDENTIALS_FILE =
  '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nregion = eu-west-1\n';

/** Writes the upstream's state (what it is told; what it ran starts empty). */
export const writeLooseUpstreamState = (path: string, weatherDescription: string): void =>
  writeFileSync(path, JSON.stringify({ weatherDescription, ran: [] } satisfies LooseUpstreamState));
