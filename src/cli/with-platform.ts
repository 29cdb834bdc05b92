import { loadConfig, type Config } from '../platform/config.js';
import { ConfigError } from '../platform/errors.js';
import { openDatabase } from '../platform/db/open.js';
import { createPlatform, type Platform } from '../platform/platform.js';
import type { Database } from '../platform/db/database.js';

export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`acgs: invalid configuration: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}
/** Runs a command against the configured platform (database, cache, keys) and closes it however the command ends. */
export async function withPlatform<T>(command: (platform: Platform) => Promise<T>): Promise<T> {
  const platform = await createPlatform(configOrExit());
  try {
    return await command(platform);
  } finally {
    await platform.close();
  }
}
/** Runs a command that needs only the database (no cache, no migrations run) and closes it afterwards. */
export async function withDatabase<T>(command: (db: Database) => Promise<T>, config = configOrExit()): Promise<T> {
  const db = await openDatabase(config);
  try {
    return await command(db);
  } finally {
    await db.close();
  }
}
/** All of standard input, for commands that read a request or a document piped in. */
export async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

/** An agent's API key from the environment variable a command names, or a one-line refusal (exit 2). */
export function apiKeyOrExit(command: string, variable: string, what = "the agent's API key"): string {
  const apiKey = process.env[variable];
  if (apiKey === undefined || apiKey === '') {
    console.error(`${command}: set ${variable} to ${what}`);
    process.exit(2);
  }
  return apiKey;
}
