import { Type, type Static } from '@sinclair/typebox';
import client from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { entryBytes, entryFromRow, type AuditRow } from '../../domain/audit/entry.js';
import { consistencyProof, inclusionProof, rootHash } from '../../domain/audit/merkle.js';
import { auditTreeSize } from '../../platform/audit.js';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import { ConsistencyProofView, InclusionProofView, ReceiptView, SignedTreeHeadView } from './schemas.js';
import { errorResponses, UuidParam } from '../../platform/http/schemas.js';
import type { ServiceContext } from '../../platform/http/server.js';
import { databaseSubtreeReader, entryAt } from './audit-tree.js';
import { registerAppealRoutes } from './appeal-routes.js';
import { registerAuditVerification } from './audit-verification.js';
import { registerAuditLogRoutes } from './audit-log-routes.js';
import { registerCryptoRoutes } from './crypto-routes.js';
import { registerPolicyRoutes } from './policy-routes.js';
import { platformSigningKeys } from './signing-keys.js';
import { BundleStore } from './bundle-store.js';
import { TreeHeads } from './tree-heads.js';

const READERS = ['admin', 'auditor', 'policy_manager', 'council_member'] as const;
const hex = (hash: Buffer) => hash.toString('hex');

const InclusionQuery = Type.Object(
  { index: Type.Integer({ minimum: 0 }), tree_size: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
const ConsistencyQuery = Type.Object(
  { first: Type.Integer({ minimum: 1 }), second: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

/** Gauges read at scrape time from the database, so every instance reports the same figures. */
function registerIntegrityGauges({ platform, metrics }: ServiceContext): void {
  new client.Gauge({
    name: 'acgs_audit_log_size',
    help: 'Entries in the Merkle audit log',
    registers: [metrics.registry],
    async collect() {
      this.set(await auditTreeSize(platform.db));
    },
  });
  new client.Gauge({
    name: 'acgs_bundle_active_version',
    help: 'Version of the bundle marked active in the database (0: none); PGC instances should be enforcing it',
    registers: [metrics.registry],
    async collect() {
      this.set(await new BundleStore(platform.db).activeVersion());
    },
  });
  new client.Gauge({
    name: 'acgs_policies',
    help: 'Policy versions by lifecycle status',
    labelNames: ['status'] as const,
    registers: [metrics.registry],
    async collect() {
      this.reset();
      const rows = await platform.db.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM policies GROUP BY status',
      );
      for (const row of rows) this.set({ status: row.status }, row.n);
    },
  });
}

/** Integrity service: OpenPGP keys and signatures, and the audit log's Merkle views (tree head, RFC 9162 proofs). */
export async function registerIntegrityRoutes(app: FastifyInstance, context: ServiceContext): Promise<void> {
  const { platform } = context;
  const { db } = platform;
  const keys = platformSigningKeys(platform);
  const heads = new TreeHeads(db, keys);
  registerCryptoRoutes(app, context, keys);
  registerPolicyRoutes(app, context, heads);
  registerAuditLogRoutes(app, context);
  registerAppealRoutes(app, context);
  registerIntegrityGauges(context);
  registerAuditVerification(app, context, heads);
  const reader = databaseSubtreeReader(db);

  async function requireSize(size: number, what: string): Promise<void> {
    const current = await auditTreeSize(db);
    if (size > current)
      throw new ValidationError(`${what} ${size} is beyond the log, which has ${current} entries`, 'BEYOND_TREE');
  }

  app.get(
    '/api/v1/audit/tree-head',
    {
      config: { access: READERS },
      schema: {
        tags: ['audit'],
        summary: 'The signed head of the log now: size, root hash, timestamp, OpenPGP signature over signed_data',
        response: { 200: SignedTreeHeadView, ...errorResponses(401, 403) },
      },
    },
    async () => heads.current(),
  );

  app.get<{ Querystring: Static<typeof InclusionQuery> }>(
    '/api/v1/audit/proof/inclusion',
    {
      config: { access: READERS },
      schema: {
        tags: ['audit'],
        summary: 'RFC 9162 inclusion proof of leaf `index` in the tree of `tree_size` leaves',
        querystring: InclusionQuery,
        response: { 200: InclusionProofView, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { index, tree_size: size } = request.query;
      await requireSize(size, 'tree_size');
      if (index >= size) throw new ValidationError(`index ${index} is not in a tree of ${size} leaves`, 'BEYOND_TREE');
      const [path, root, leaf, entry] = await Promise.all([
        inclusionProof(reader, index, size),
        rootHash(reader, size),
        reader.node(0, index),
        entryAt(db, index),
      ]);
      // leaf_data is what the leaf hash commits to, so a checker needs no JSON canonicaliser of its own.
      return {
        index,
        tree_size: size,
        entry,
        leaf_data: entryBytes(entry).toString('utf8'),
        leaf_hash: hex(leaf),
        root_hash: hex(root),
        audit_path: path.map(hex),
      };
    },
  );

  app.get<{ Params: Static<typeof UuidParam> }>(
    '/api/v1/audit/receipts/:id',
    {
      config: { access: READERS },
      schema: {
        tags: ['audit'],
        summary: 'Receipt for a decision: its log entry, an inclusion proof and the signed tree head that covers it',
        params: UuidParam,
        response: { 200: ReceiptView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const rows = await db.query<AuditRow>(
        `SELECT * FROM audit_logs WHERE resource = $1 AND action = 'decision.evaluated'`,
        [`decision:${request.params.id}`],
      );
      if (rows[0] === undefined) throw new NotFoundError('No logged decision with this id', 'DECISION_NOT_FOUND');
      const entry = entryFromRow(rows[0]);
      // The latest signed head if it already covers the entry; a new one is signed only when it does not.
      const head = await heads.covering(entry.leaf_index);
      const path = await inclusionProof(reader, entry.leaf_index, head.tree_size);
      // index, tree_size and root_hash repeat the leaf index and the head's, so docs/audit.md's check reads a receipt as is.
      return {
        decision_id: request.params.id,
        entry,
        leaf_data: entryBytes(entry).toString('utf8'),
        leaf_index: entry.leaf_index,
        index: entry.leaf_index,
        tree_size: head.tree_size,
        root_hash: head.root_hash,
        audit_path: path.map(hex),
        tree_head: head,
      };
    },
  );

  app.get<{ Querystring: Static<typeof ConsistencyQuery> }>(
    '/api/v1/audit/proof/consistency',
    {
      config: { access: READERS },
      schema: {
        tags: ['audit'],
        summary: 'RFC 9162 consistency proof between two tree sizes',
        querystring: ConsistencyQuery,
        response: { 200: ConsistencyProofView, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { first, second } = request.query;
      if (first > second) throw new ValidationError('first must not exceed second', 'INVALID_RANGE');
      await requireSize(second, 'second');
      const [proof, firstRoot, secondRoot] = await Promise.all([
        consistencyProof(reader, first, second),
        rootHash(reader, first),
        rootHash(reader, second),
      ]);
      return { first, second, first_root: hex(firstRoot), second_root: hex(secondRoot), proof: proof.map(hex) };
    },
  );
}
