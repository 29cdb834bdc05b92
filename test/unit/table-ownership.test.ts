import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const SRC = resolve(new URL('../../src/', import.meta.url).pathname);
const MIGRATIONS = resolve(new URL('../../migrations/', import.meta.url).pathname);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Each table's owner: the files (or folder, ending in /) whose SQL may name it. Everyone else asks the owner. The auth
 * tables have two: the auth service writes them and the platform's authenticator, which every service runs, reads them.
 */
const OWNERS: Record<string, readonly string[]> = {
  users: ['services/auth/repositories.ts', 'platform/auth/'],
  sessions: ['services/auth/repositories.ts', 'platform/auth/'],
  api_keys: ['services/auth/repositories.ts', 'platform/auth/'],
  audit_logs: ['platform/audit/'],
  audit_tree_nodes: ['platform/audit/'],
  audit_tree_heads: ['platform/audit/'],
  audit_gaps: ['platform/audit/'],
  principles: ['services/ac/sql-store.ts'],
  meta_rules: ['services/ac/sql-store.ts'],
  amendments: ['services/ac/sql-store.ts'],
  amendment_votes: ['services/ac/sql-store.ts'],
  amendment_comments: ['services/ac/sql-store.ts'],
  constitution_versions: ['services/ac/sql-store.ts', 'services/ac/constitution-reader.ts'],
  policies: ['services/integrity/policy-store.ts'],
  policy_bundles: ['services/integrity/bundle-store.ts'],
  change_sets: ['services/integrity/change-set-store.ts'],
  bundle_acknowledgements: ['services/integrity/bundle-acknowledgements.ts'],
  signing_keys: ['services/integrity/signing-keys.ts'],
  appeals: ['services/integrity/appeal-store.ts'],
  policy_review_items: ['services/integrity/appeal-store.ts'],
  verification_jobs: ['services/fv/job-store.ts'],
  synthesis_runs: ['services/gs/run-store.ts'],
  synthesis_attempts: ['services/gs/run-store.ts'],
  specification_drafts: ['services/gs/specification-store.ts'],
  policy_templates: ['services/gs/template-store.ts'],
  policy_template_links: ['services/gs/template-store.ts'],
  decisions: [
    'services/pgc/decision-log/writer.ts',
    'services/pgc/decision-log/queries.ts',
    'services/pgc/decision-log/reader.ts',
  ],
  approvals: ['services/pgc/enforcement/approval-store.ts'],
  enforcement_sessions: ['services/pgc/enforcement/session-store.ts'],
  tools: ['services/pgc/enforcement/tool-catalogue.ts'],
  mcp_servers: ['services/pgc/mcp/server-registry.ts'],
  llm_upstreams: ['services/pgc/llm/upstream-registry.ts'],
  llm_usage: ['services/pgc/llm/usage-meter.ts'],
};

const TABLES = [
  ...new Set(
    readdirSync(MIGRATIONS)
      .filter((name) => name.endsWith('.sql'))
      .flatMap((name) =>
        [...readFileSync(join(MIGRATIONS, name), 'utf8').matchAll(/CREATE TABLE (?:IF NOT EXISTS )?([a-z_]+)/g)].map(
          ([, table]) => table!,
        ),
      ),
  ),
].sort();

/** Where each table is named in SQL: after FROM, JOIN, INTO, UPDATE or TABLE, as a whole word. */
function reaches(): string[] {
  const found: string[] = [];
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    const path = relative(SRC, file);
    for (const table of TABLES)
      if (new RegExp(`\\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\\s+${table}\\b`).test(text)) found.push(`${table} ← ${path}`);
  }
  return found;
}

describe('one owner per table', () => {
  it('names an owner for every table the migrations create', () => {
    assert.deepEqual(
      TABLES.filter((table) => OWNERS[table] === undefined),
      [],
    );
  });

  it('no SQL outside its owner names a table: other services ask the owner', () => {
    const strays = reaches().filter((reach) => {
      const [table, path] = reach.split(' ← ') as [string, string];
      return !OWNERS[table]!.some((owner) => (owner.endsWith('/') ? path.startsWith(owner) : path === owner));
    });
    assert.deepEqual(strays.sort(), []);
  });
});
