import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { Config } from '../platform/config.js';
import { createPgliteDirFrom, openPglite } from '../platform/db/pglite.js';

/** Reports work done of a known total, naming the current item. */
export type Progress = (done: number, total: number, item: string) => void;

export interface BackupResult {
  format: 'pg_dump custom' | 'pglite tarball';
  bytes: number;
  tables: number;
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

const PG_DUMP_MAGIC = 'PGDMP';
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/**
 * Runs a PostgreSQL client tool, feeding each stderr line to `onLine` and resolving with its stdout; on failure it
 * rejects with the stderr lines that explain it.
 */
function runTool(
  command: string,
  args: readonly string[],
  onLine: (line: string) => void = () => undefined,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let out = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        onLine(line);
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    });
    child.once('error', (error) =>
      reject(
        new BackupError(
          `${command} could not run: ${error.message} (install the PostgreSQL client tools, e.g. Debian postgresql-client)`,
        ),
      ),
    );
    // --verbose chatter fills stderr; the lines that explain a failure say "error" (or come from the server).
    const explanation = () =>
      [...tail, pending].filter((line) => /error|FATAL|ERROR|DETAIL|HINT/.test(line)).join('\n') ||
      [...tail, pending].join('\n');
    child.once('close', (code) =>
      code === 0 ? resolve(out) : reject(new BackupError(`${command} exited with ${code}:\n${explanation()}`)),
    );
  });
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Throws if any service answers on its configured address: PGlite allows one process, so it must be stopped first. */
async function requireStackStopped(config: Config, what: string): Promise<void> {
  const answering = await fetch(`${config.serviceUrls.auth}/health`, { signal: AbortSignal.timeout(1000) }).then(
    () => true,
    () => false,
  );
  if (answering)
    throw new BackupError(
      `the stack is running (${config.serviceUrls.auth} answers); stop \`acgs up\` before ${what}: PGlite allows one process to open its data directory`,
    );
}

/**
 * Writes a backup of the platform's data: with PostgreSQL, a custom-format `pg_dump` of the schema DATABASE_URL
 * uses (restorable with pg_restore by hand too); with PGlite, a gzip tarball of the data directory.
 */
export async function backup(config: Config, out: string, progress: Progress): Promise<BackupResult> {
  const target = config.database;
  if (target.kind === 'postgres') {
    const { schema, tables } = await withClient(target.url, async (client) => {
      const current = (await client.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]!.schema;
      const count = (
        await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1', [current])
      ).rows[0]!.n;
      return { schema: current, tables: count };
    });
    let done = 0;
    await runTool(
      'pg_dump',
      ['--format=custom', '--verbose', '--no-owner', `--schema=${schema}`, `--file=${out}`, `--dbname=${target.url}`],
      (line) => {
        const table = /dumping contents of table "([^"]+)"/.exec(line)?.[1];
        if (table !== undefined) progress(++done, tables, table);
      },
    );
    return { format: 'pg_dump custom', bytes: (await stat(out)).size, tables };
  }
  if (target.dataDir === null)
    throw new BackupError('DATABASE_URL is an in-memory PGlite: there is nothing on disk to back up');
  if (!existsSync(target.dataDir)) throw new BackupError(`no PGlite data directory at ${target.dataDir}`);
  await requireStackStopped(config, 'a backup');
  progress(0, 1, target.dataDir);
  const db = await openPglite(target.dataDir);
  try {
    const tables = (
      await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)
    )[0]!.n;
    const tarball = Buffer.from(await (await db.dump('gzip')).arrayBuffer());
    await writeFile(out, tarball);
    progress(1, 1, target.dataDir);
    return { format: 'pglite tarball', bytes: tarball.length, tables };
  } finally {
    await db.close();
  }
}

async function fileKind(file: string): Promise<'pg_dump' | 'pglite'> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(5);
    await handle.read(head, 0, 5, 0);
    if (head.toString('latin1') === PG_DUMP_MAGIC) return 'pg_dump';
    if (head.subarray(0, 2).equals(GZIP_MAGIC)) return 'pglite';
  } finally {
    await handle.close();
  }
  throw new BackupError(`${file} is neither a pg_dump custom-format file nor a PGlite tarball made by acgs backup`);
}

/**
 * Restores a backup made by `backup()` into the configured database: PostgreSQL replaces the schema's objects in
 * one transaction (pg_restore --clean --single-transaction); PGlite moves the current data directory aside and
 * unpacks the backup in its place. Services must be stopped.
 */
export async function restore(
  config: Config,
  file: string,
  progress: Progress,
): Promise<{ tables: number; movedAside: string | null }> {
  const kind = await fileKind(file);
  const target = config.database;
  if (target.kind === 'postgres') {
    if (kind !== 'pg_dump')
      throw new BackupError(
        'this is a PGlite backup; DATABASE_URL names PostgreSQL (restore it with a PGlite DATABASE_URL)',
      );
    const listing = await runTool('pg_restore', ['--list', file]);
    const dumped = [...listing.matchAll(/ TABLE DATA (\S+) (\S+) /g)];
    const schema = dumped[0]?.[1];
    const current = await withClient(
      target.url,
      async (client) =>
        (await client.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]?.schema ?? null,
    );
    if (schema !== undefined && current !== null && schema !== current)
      throw new BackupError(`the backup holds schema "${schema}" but DATABASE_URL uses "${current}"`);
    // The schema itself stays out of the restore: --clean would drop and re-create it, which fails wherever
    // something outside the backup lives in it (pg_stat_statements created in public, as operations.md says to).
    // What the backup holds is replaced inside the schema; a schema wiped altogether is created first.
    const withoutSchema = listing
      .split('\n')
      .filter((line) => !/^\d+; \d+ \d+ (SCHEMA - |COMMENT - SCHEMA )/.test(line))
      .join('\n');
    const listFile = join(await mkdtemp(join(tmpdir(), 'acgs-restore-')), 'contents.list');
    await writeFile(listFile, withoutSchema);
    if (schema !== undefined)
      await withClient(target.url, (client) =>
        client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`),
      );
    let done = 0;
    try {
      await runTool(
        'pg_restore',
        [
          '--clean',
          '--if-exists',
          '--no-owner',
          '--single-transaction',
          '--exit-on-error',
          '--verbose',
          `--use-list=${listFile}`,
          `--dbname=${target.url}`,
          file,
        ],
        (line) => {
          const table = /processing data for table "([^"]+)"/.exec(line)?.[1];
          if (table !== undefined) progress(++done, dumped.length, table);
        },
      );
    } finally {
      await rm(dirname(listFile), { recursive: true, force: true });
    }
    return { tables: dumped.length, movedAside: null };
  }
  if (kind !== 'pglite')
    throw new BackupError(
      'this is a pg_dump backup; DATABASE_URL names PGlite (set DATABASE_URL to the PostgreSQL server to restore it)',
    );
  if (target.dataDir === null)
    throw new BackupError(
      'DATABASE_URL is an in-memory PGlite: restore into a directory (pglite:///path or ACGS_DATA_DIR)',
    );
  await requireStackStopped(config, 'a restore');
  progress(0, 1, target.dataDir);
  const movedAside = existsSync(target.dataDir)
    ? `${target.dataDir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`
    : null;
  if (movedAside !== null) await rename(target.dataDir, movedAside);
  await createPgliteDirFrom(new Blob([await readFile(file)]), target.dataDir);
  const db = await openPglite(target.dataDir);
  const tables = (
    await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)
  )[0]!.n;
  await db.close();
  progress(1, 1, target.dataDir);
  return { tables, movedAside };
}
