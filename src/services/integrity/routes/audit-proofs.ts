import { Type } from '@sinclair/typebox';
import { NotFoundError, ValidationError } from '../../../domain/errors.js';
import { proveConsistency, proveEntry } from '../../../platform/audit/proof.js';
import { errorResponses, UuidParam } from '../../../platform/http/schemas.js';
import type { ServiceApp } from '../../../platform/http/server.js';
import type { IntegrityContext } from '../context.js';
import { ConsistencyProofView, InclusionProofView, ReceiptView, SignedTreeHeadView } from '../schemas.js';
import { AUDIENCES } from '../../../domain/auth/roles.js';

const InclusionQuery = Type.Object(
  { index: Type.Integer({ minimum: 0 }), tree_size: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
const ConsistencyQuery = Type.Object(
  { first: Type.Integer({ minimum: 1 }), second: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

/** The audit log's Merkle views: the signed tree head, RFC 9162 proofs, and receipts for decisions. */
export function registerAuditProofRoutes(app: ServiceApp, { heads, audit: reader }: IntegrityContext): void {
  async function requireSize(size: number, what: string): Promise<void> {
    const current = await reader.size();
    if (size > current)
      throw new ValidationError(`${what} ${size} is beyond the log, which has ${current} entries`, 'BEYOND_TREE');
  }

  app.get(
    '/api/v1/audit/tree-head',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['audit'],
        summary: 'The signed head of the log now: size, root hash, timestamp, OpenPGP signature over signed_data',
        response: { 200: SignedTreeHeadView, ...errorResponses(401, 403) },
      },
    },
    async () => heads.current(),
  );

  app.get(
    '/api/v1/audit/proof/inclusion',
    {
      config: { access: AUDIENCES.people },
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
      const [entry, leaf] = await Promise.all([reader.entryAt(index), reader.node(0, index)]);
      return { ...(await proveEntry(reader, entry, size)), leaf_hash: leaf.toString('hex') };
    },
  );

  app.get(
    '/api/v1/audit/receipts/:id',
    {
      config: { access: AUDIENCES.people },
      schema: {
        tags: ['audit'],
        summary: 'Receipt for a decision: its log entry, an inclusion proof and the signed tree head that covers it',
        params: UuidParam,
        response: { 200: ReceiptView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const entry = await reader.firstEntry('decision.evaluated', `decision:${request.params.id}`);
      if (entry === null) throw new NotFoundError('No logged decision with this id', 'DECISION_NOT_FOUND');
      // The latest signed head if it already covers the entry; a new one is signed only when it does not.
      const head = await heads.covering(entry.leaf_index);
      // index, tree_size and root_hash repeat the leaf index and the head's, so docs/audit.md's check reads a receipt as is.
      return {
        decision_id: request.params.id,
        leaf_index: entry.leaf_index,
        ...(await proveEntry(reader, entry, head)),
        tree_head: head,
      };
    },
  );

  app.get(
    '/api/v1/audit/proof/consistency',
    {
      config: { access: AUDIENCES.people },
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
      return proveConsistency(reader, first, second);
    },
  );
}
