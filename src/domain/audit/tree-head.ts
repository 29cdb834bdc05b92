import { canonicalJson } from '../canonical-json.js';

/** A signed statement of the log's size and root at a moment. */
export interface SignedTreeHead {
  tree_size: number;
  root_hash: string;
  timestamp: string;
  /** Exactly the bytes signed: canonical JSON of {root_hash, timestamp, tree_size}. */
  signed_data: string;
  signature: string;
  key_fingerprint: string;
}

/** The bytes a head's signature covers, rebuilt from its fields. */
export const treeHeadSignedData = (head: Pick<SignedTreeHead, 'root_hash' | 'timestamp' | 'tree_size'>): string =>
  canonicalJson({ root_hash: head.root_hash, timestamp: head.timestamp, tree_size: head.tree_size });
