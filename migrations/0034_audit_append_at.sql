-- An append in one statement. A writer that knows where the log ends (the size and frontier its own last append
-- left) sends its rows, the tree nodes they complete and the frontier it hashed them on; this function takes the
-- append lock, checks that the log still ends there, and writes. A log that moved on (another writer appended, rows
-- were lost, a backup was restored) raises AU001 and nothing is written: the writer then appends the locked way,
-- reading the position under the lock first. Alone in an autocommit statement, with the writer's own change in a
-- data-modifying CTE beside it, this is one round trip where a transaction took five.
--
-- Each entry arrives as the canonical JSON its leaf hash was computed over, and its row is written from it. The row
-- as stored must still say what the leaf says: a value the database normalises (a uuid in capitals, a timestamp
-- finer than milliseconds) would leave a leaf that never verifies again, so the stored rows are compared with the
-- entries before the statement ends, and any difference raises AU002 and writes nothing.
CREATE FUNCTION audit_append_at(
  lock_key bigint,
  expected_size bigint,
  frontier_levels smallint[],
  frontier_idxs bigint[],
  frontier_hashes bytea[],
  entries text[],
  node_levels smallint[],
  node_idxs bigint[],
  node_hashes bytea[]
)
RETURNS TABLE (id bigint, leaf_index bigint, "timestamp" timestamptz, user_id uuid, action text, resource text,
               details jsonb, source_ip text, request_id text)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  current_size bigint;
  leaves_end bigint;
  heads_end bigint;
  frontier_found bigint;
  differing bigint;
BEGIN
  -- The log's end as the locked append reads it (migration 0028); this takes the lock.
  SELECT p.tree_size, p.stored_leaves, p.signed_size INTO current_size, leaves_end, heads_end
    FROM audit_append_position(lock_key) AS p LIMIT 1;
  SELECT count(*) INTO frontier_found
    FROM unnest(frontier_levels, frontier_idxs, frontier_hashes) AS f(level, idx, hash)
    JOIN audit_tree_nodes AS n ON n.level = f.level AND n.idx = f.idx AND n.hash = f.hash;
  IF current_size <> expected_size OR leaves_end > current_size OR heads_end > current_size
     OR frontier_found <> coalesce(cardinality(frontier_levels), 0) THEN
    RAISE EXCEPTION 'the audit log does not end at leaf % with the frontier given', expected_size
      USING ERRCODE = 'AU001';
  END IF;
  INSERT INTO audit_tree_nodes (level, idx, hash) SELECT * FROM unnest(node_levels, node_idxs, node_hashes);
  WITH meant AS (
         SELECT u.ordinality - 1 AS k, u.entry::jsonb AS e FROM unnest(entries) WITH ORDINALITY AS u(entry, ordinality)
       ),
       stored AS (
         INSERT INTO audit_logs (leaf_index, timestamp, user_id, action, resource, details, source_ip, request_id)
         SELECT expected_size + m.k, (m.e->>'timestamp')::timestamptz, (m.e->>'user_id')::uuid, m.e->>'action',
                m.e->>'resource', m.e->'details', m.e->>'source_ip', m.e->>'request_id'
           FROM meant AS m ORDER BY m.k
         RETURNING *
       )
  SELECT count(*) INTO differing
    FROM stored AS s JOIN meant AS m ON s.leaf_index = expected_size + m.k
   WHERE jsonb_build_object(
           'leaf_index', s.leaf_index,
           'timestamp', to_char(s.timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'user_id', s.user_id,
           'action', s.action,
           'resource', s.resource,
           'details', s.details,
           'source_ip', s.source_ip,
           'request_id', s.request_id) IS DISTINCT FROM m.e;
  IF differing > 0 THEN
    RAISE EXCEPTION '% audit entries hold a value the database does not store as given', differing
      USING ERRCODE = 'AU002';
  END IF;
  RETURN QUERY
    SELECT a.id, a.leaf_index, a.timestamp, a.user_id, a.action, a.resource, a.details, a.source_ip, a.request_id
      FROM audit_logs AS a
     WHERE a.leaf_index >= expected_size AND a.leaf_index < expected_size + coalesce(cardinality(entries), 0)
     ORDER BY a.leaf_index;
END
$$;
