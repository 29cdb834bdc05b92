-- Signed tree heads: the log's size and root at a moment, signed with the platform's OpenPGP key.
CREATE TABLE audit_tree_heads (
  tree_size bigint PRIMARY KEY,
  root_hash text NOT NULL,
  timestamp timestamptz NOT NULL,
  signed_data text NOT NULL,
  signature text NOT NULL,
  key_fingerprint text NOT NULL
);
