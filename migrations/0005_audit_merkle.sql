-- The audit log becomes a Merkle log (RFC 9162): every row gets a dense leaf index, and the hashes of complete
-- subtrees (level 0 = leaf hashes) are stored so proofs read O(log n) rows. Rows written before this migration are
-- adopted into the tree, in id order, by the application at start.
ALTER TABLE audit_logs ADD COLUMN leaf_index bigint;
CREATE UNIQUE INDEX audit_logs_leaf_index ON audit_logs (leaf_index);

CREATE TABLE audit_tree_nodes (
  level smallint NOT NULL,
  idx bigint NOT NULL,
  hash bytea NOT NULL,
  PRIMARY KEY (level, idx)
);
