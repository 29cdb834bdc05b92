-- Rows lost from the end of the audit log (a restore from an older backup without the tree, a truncation) leave
-- the tree's stored hashes and signed heads ahead of the rows. Appends then stop: the log answers 503
-- AUDIT_LOG_DAMAGED until it is restored from a backup, or an operator acknowledges the gap with
-- `acgs audit reanchor`, which records it here and in the log itself and lets the tree continue after it: the lost
-- rows' leaf hashes stay, so every head signed before the gap stays consistent with every head signed after it.
CREATE TABLE audit_gaps (
  id bigserial PRIMARY KEY,
  -- Leaves first_missing .. resumes_at - 1 have no row; the acknowledgement is the leaf at resumes_at.
  first_missing bigint NOT NULL,
  resumes_at bigint NOT NULL UNIQUE,
  reason text NOT NULL,
  acknowledged_by text NOT NULL,
  acknowledged_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  CHECK (first_missing < resumes_at)
);

-- The append position, now continuing after an acknowledged gap, and with what says the log is damaged: leaf hashes
-- stored past the end of the rows, or a signed head larger than the log.
DROP FUNCTION audit_append_position(bigint);
CREATE FUNCTION audit_append_position(lock_key bigint)
RETURNS TABLE (tree_size bigint, level smallint, idx bigint, hash bytea, stored_leaves bigint, signed_size bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  current_size bigint;
  leaves_end bigint;
  heads_end bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(lock_key);
  SELECT greatest(
           coalesce((SELECT max(a.leaf_index) + 1 FROM audit_logs AS a), 0),
           coalesce((SELECT max(g.resumes_at) FROM audit_gaps AS g), 0))
    INTO current_size;
  SELECT coalesce(max(n.idx) + 1, 0) INTO leaves_end FROM audit_tree_nodes AS n WHERE n.level = 0;
  SELECT coalesce(max(h.tree_size), 0) INTO heads_end FROM audit_tree_heads AS h;
  RETURN QUERY
    SELECT current_size, n.level, n.idx, n.hash, leaves_end, heads_end
      FROM (SELECT 1) AS always
      LEFT JOIN audit_tree_nodes AS n
        ON (n.level, n.idx) IN (
          SELECT bit::smallint, (current_size >> bit) - 1
            FROM generate_series(0, 62) AS bit
           WHERE (current_size >> bit) & 1 = 1);
END
$$;
