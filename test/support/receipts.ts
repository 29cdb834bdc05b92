import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Queryable } from '../../src/platform/db/database.js';
import { verifyWithPlatformKeys } from '../../src/services/integrity/signing-keys.js';
import { checkInclusion } from './rfc9162-check.js';

/** A receipt as the integrity service answers it: the parts a test reads. */
export interface Receipt {
  entry: { action: string; resource: string; details: Record<string, unknown> };
  leaf_index: number;
  [field: string]: unknown;
}

/** A decision's receipt, checked as an auditor would: inclusion in the signed tree head, and the head's signature. */
export async function assertReceiptVerifies(
  integrity: FastifyInstance,
  headers: Record<string, string>,
  db: Queryable,
  decisionId: string,
): Promise<Receipt> {
  const response = await integrity.inject({ method: 'GET', url: `/api/v1/audit/receipts/${decisionId}`, headers });
  assert.equal(response.statusCode, 200, response.body);
  const receipt = response.json();
  assert.ok(
    checkInclusion(
      receipt.leaf_data,
      receipt.leaf_index,
      receipt.tree_head.tree_size,
      receipt.audit_path,
      receipt.tree_head.root_hash,
    ),
    `receipt of ${decisionId} proves inclusion`,
  );
  const signed = await verifyWithPlatformKeys(
    db,
    Buffer.from(receipt.tree_head.signed_data),
    receipt.tree_head.signature,
  );
  assert.ok(signed.valid, 'the tree head is signed by a platform key');
  return receipt as Receipt;
}
