// Audit log benchmarks: durable appends/s (single and group-committed), proof latency and full verification at size.
import { performance } from 'node:perf_hooks';
import { consistencyProof, inclusionProof } from '../src/domain/audit/merkle.js';
import { AuditLog } from '../src/platform/audit/log.js';
import { AuditReader } from '../src/platform/audit/reader.js';
import { verifyAuditTree } from '../src/platform/audit/verify.js';
import type { Database } from '../src/platform/db/database.js';
import { openPglite } from '../src/platform/db/pglite.js';
import { openPostgres } from '../src/platform/db/postgres.js';
import { migrate } from '../src/platform/db/migrate.js';
import { createScratchSchema } from '../test/support/postgres-schema.js';

const event = (i: number) => ({
  userId: null,
  action: 'decision.evaluated',
  resource: `decision:${i}`,
  details: { decision: i % 3 === 0 ? 'deny' : 'allow', request_digest: `${i}`.padStart(64, '0') },
});

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function measure(label: string, db: Database, total: number): Promise<void> {
  await migrate(db);
  const audit = new AuditLog(db);
  let started = performance.now();
  for (let i = 0; i < 500; i += 1) await audit.record(event(i));
  const single = 500 / ((performance.now() - started) / 1000);
  started = performance.now();
  const batch = 1000;
  for (let i = 500; i < total; i += batch)
    await audit.recordMany(Array.from({ length: Math.min(batch, total - i) }, (_, j) => event(i + j)));
  const grouped = (total - 500) / ((performance.now() - started) / 1000);
  console.log(
    `${label}: single appends ${single.toFixed(0)}/s; group-committed (1,000 per transaction) ${grouped.toFixed(0)}/s; filled to ${total.toLocaleString('en')} entries`,
  );

  const reader = new AuditReader(db);
  const inclusion: number[] = [];
  const consistency: number[] = [];
  for (let i = 0; i < 200; i += 1) {
    const index = Math.floor(Math.random() * total);
    let t = performance.now();
    await inclusionProof(reader, index, total);
    inclusion.push(performance.now() - t);
    const first = 1 + Math.floor(Math.random() * (total - 1));
    t = performance.now();
    await consistencyProof(reader, first, total);
    consistency.push(performance.now() - t);
  }
  console.log(
    `${label}: inclusion proof p50 ${percentile(inclusion, 0.5).toFixed(2)} ms p99 ${percentile(inclusion, 0.99).toFixed(2)} ms; consistency proof p50 ${percentile(consistency, 0.5).toFixed(2)} ms p99 ${percentile(consistency, 0.99).toFixed(2)} ms (goal < 5 ms)`,
  );
  started = performance.now();
  const report = await verifyAuditTree(db);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${label}: audit verify ${seconds.toFixed(1)} s for ${total.toLocaleString('en')} entries (${((seconds * 1_000_000) / total).toFixed(1)} s per million; ${report.findings.length} findings)`,
  );
}

export async function auditBenchmarks(): Promise<void> {
  console.log('\n== Audit log: appends, proofs, verification ==');
  const scratch = await createScratchSchema('bench_audit');
  const postgres = await openPostgres({ url: scratch.url, size: 4, maxOverflow: 0, timeoutMs: 30_000 });
  try {
    await measure('PostgreSQL', postgres, Number(process.env['BENCH_AUDIT_ENTRIES'] ?? 1_000_000));
  } finally {
    await postgres.close();
    await scratch.drop();
  }
  const pglite = await openPglite(null);
  try {
    await measure('PGlite (memory)', pglite, 100_000);
  } finally {
    await pglite.close();
  }
}
