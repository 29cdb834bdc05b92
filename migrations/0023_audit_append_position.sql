-- One round trip where an append took three (lock, then tree size, then frontier), all while holding the log's
-- append lock. The size must be read after the lock is granted; a single SELECT would read it from a snapshot taken
-- before, so the lock and the reads are statements of one VOLATILE function, each with a fresh snapshot.
-- Returns the tree size on every row, with the complete subtrees on the tree's right edge: for each 1-bit `level`
-- of the size, the node (level, (size >> level) - 1). An empty tree gives one row with no node.
CREATE FUNCTION audit_append_position(lock_key bigint)
RETURNS TABLE (tree_size bigint, level smallint, idx bigint, hash bytea)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  current_size bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(lock_key);
  SELECT coalesce(max(a.leaf_index) + 1, 0) INTO current_size FROM audit_logs AS a;
  RETURN QUERY
    SELECT current_size, n.level, n.idx, n.hash
      FROM (SELECT 1) AS always
      LEFT JOIN audit_tree_nodes AS n
        ON (n.level, n.idx) IN (
          SELECT bit::smallint, (current_size >> bit) - 1
            FROM generate_series(0, 62) AS bit
           WHERE (current_size >> bit) & 1 = 1);
END
$$;
