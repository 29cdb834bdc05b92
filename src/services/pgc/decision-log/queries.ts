import { createdAtIdCursor, keysetPage, type Page } from '../../../domain/pagination.js';
import type { Queryable } from '../../../platform/db/database.js';
import type { StoredDecision } from './log.js';

/** What the decisions list can be narrowed by; every filter given must hold. */
export interface DecisionFilter {
  decision?: 'allow' | 'deny';
  action?: string;
  /** `Type::id`, or an id of any type. */
  principal?: string;
  /** A policy among the decision's reasons. */
  policy?: string;
  /** A principle among the decision's reasons. */
  principle?: string;
  /** Inclusive. */
  from?: string;
  /** Exclusive. */
  to?: string;
  /** The request that made it: an LLM exchange's decisions share one. */
  request_id?: string;
  /** The OpenTelemetry trace it was made in. */
  trace_id?: string;
}

/** One request's decisions about a model, in the order they were made: an LLM exchange, as the console shows it. */
export interface ModelExchange {
  request_id: string;
  started_at: string;
  principal: StoredDecision['principal'];
  model: string;
  decisions: Pick<StoredDecision, 'id' | 'created_at' | 'action' | 'resource' | 'decision' | 'reasons'>[];
}

export type StatisticsBucket = 'minute' | 'hour' | 'day';

export interface DecisionStatistics {
  bucket: StatisticsBucket;
  from: string;
  to: string;
  series: { start: string; allow: number; deny: number }[];
  by_action: { action: string; allow: number; deny: number }[];
  top_denying_principles: { principle: string; deny: number }[];
}

type Row = Omit<StoredDecision, 'created_at'> & { created_at: Date };

const COLUMNS = `id, created_at, caller_id, principal, action, resource, context, content_digest, content, decision,
  reasons, findings, obligations, bundle_hash, constitution_hash, latency_us, request_id, approval_id, trace_id`;

const stored = (row: Row): StoredDecision => ({ ...row, created_at: row.created_at.toISOString() });

/** The conditions and parameters a filter makes, numbered from $1. */
function where(filter: DecisionFilter): { conditions: string[]; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  if (filter.decision !== undefined) add((n) => `decision = ${n}`, filter.decision);
  if (filter.action !== undefined) add((n) => `action = ${n}`, filter.action);
  if (filter.principal !== undefined) {
    const split = filter.principal.indexOf('::');
    if (split > 0) {
      add((n) => `principal->>'type' = ${n}`, filter.principal.slice(0, split));
      add((n) => `principal->>'id' = ${n}`, filter.principal.slice(split + 2));
    } else add((n) => `principal->>'id' = ${n}`, filter.principal);
  }
  if (filter.policy !== undefined) add((n) => `reasons @> ${n}::jsonb`, JSON.stringify([{ policy_id: filter.policy }]));
  if (filter.principle !== undefined)
    add((n) => `reasons @> ${n}::jsonb`, JSON.stringify([{ principles: [filter.principle] }]));
  if (filter.from !== undefined) add((n) => `created_at >= ${n}::timestamptz`, filter.from);
  if (filter.to !== undefined) add((n) => `created_at < ${n}::timestamptz`, filter.to);
  if (filter.request_id !== undefined) add((n) => `request_id = ${n}`, filter.request_id);
  if (filter.trace_id !== undefined) add((n) => `trace_id = ${n}`, filter.trace_id);
  return { conditions, params };
}

const clause = (conditions: readonly string[]) => (conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`);

/** Reads of the decision log: one decision, the filtered list and counts over time; the writer owns the inserts. */
export class DecisionQueries {
  constructor(private readonly db: Queryable) {}

  /** A logged decision with its full trace, as stored; null when none has this id. */
  async find(id: string): Promise<StoredDecision | null> {
    const row = (await this.db.query<Row>(`SELECT ${COLUMNS} FROM decisions WHERE id = $1`, [id]))[0];
    return row === undefined ? null : stored(row);
  }

  /** Newest first, keyset-paged over (created_at, id). */
  list(filter: DecisionFilter, limit: number, cursor: string | undefined): Promise<Page<StoredDecision>> {
    const after = createdAtIdCursor.decode(cursor);
    return keysetPage(
      limit,
      async (rows) => {
        const { conditions, params } = where(filter);
        if (after !== undefined) {
          params.push(after.createdAt, after.id);
          conditions.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
        }
        params.push(rows);
        const found = await this.db.query<Row>(
          `SELECT ${COLUMNS} FROM decisions ${clause(conditions)} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
          params,
        );
        return found.map(stored);
      },
      (last) => createdAtIdCursor.encode(last.created_at, last.id),
    );
  }

  /**
   * Requests that made a decision about a model, newest first, each with every decision it made (its prompt, answer
   * and proposed tool calls through the LLM gateway; a decision-API call about a model is an exchange of one). An
   * exchange starts at its first decision on a `Model`; the page is keyset-paged over those.
   */
  exchanges(filter: { principal?: string }, limit: number, cursor: string | undefined): Promise<Page<ModelExchange>> {
    const after = createdAtIdCursor.decode(cursor);
    return keysetPage(
      limit,
      async (rows) => {
        const { conditions, params } = where({ principal: filter.principal });
        conditions.push(
          `resource->>'type' = 'Model'`,
          'request_id IS NOT NULL',
          `NOT EXISTS (SELECT 1 FROM decisions earlier WHERE earlier.request_id = decisions.request_id
             AND earlier.resource->>'type' = 'Model' AND (earlier.created_at, earlier.id) < (decisions.created_at, decisions.id))`,
        );
        if (after !== undefined) {
          params.push(after.createdAt, after.id);
          conditions.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
        }
        params.push(rows);
        const opened = await this.db.query<{ id: string; created_at: Date; request_id: string }>(
          `SELECT id, created_at, request_id FROM decisions ${clause(conditions)}
            ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
          params,
        );
        if (opened.length === 0) return [];
        // Only what an exchange shows: contexts, findings and content stay in the table.
        const made = await this.db.query<
          Omit<ModelExchange['decisions'][number], 'created_at'> & {
            created_at: Date;
            request_id: string;
            principal: StoredDecision['principal'];
          }
        >(
          `SELECT id, created_at, action, resource, decision, reasons, request_id, principal
             FROM decisions WHERE request_id = ANY($1) ORDER BY created_at, id`,
          [opened.map((row) => row.request_id)],
        );
        return opened.map((start) => {
          const rows = made.filter((row) => row.request_id === start.request_id);
          const first = rows.find((row) => row.resource.type === 'Model')!;
          return {
            request_id: start.request_id,
            started_at: start.created_at.toISOString(),
            principal: first.principal,
            model: first.resource.id,
            decisions: rows.map(({ id, created_at, action, resource, decision, reasons }) => ({
              id,
              created_at: created_at.toISOString(),
              action,
              resource,
              decision,
              reasons,
            })),
          };
        });
      },
      // The first decision on a model, in (created_at, id) order, is the one the page was keyed on.
      (last) => {
        const start = last.decisions.find((decision) => decision.resource.type === 'Model')!;
        return createdAtIdCursor.encode(start.created_at, start.id);
      },
    );
  }

  /** Allow and deny counts per time bucket, per action, and the principles behind the most denials, in [from, to). */
  async statistics(
    filter: DecisionFilter & { from: string; to: string },
    bucket: StatisticsBucket,
  ): Promise<DecisionStatistics> {
    const { conditions, params } = where(filter);
    const filtered = clause(conditions);
    const counts = `count(*) FILTER (WHERE decision = 'allow')::int AS allow, count(*) FILTER (WHERE decision = 'deny')::int AS deny`;
    const [series, byAction, principles] = await Promise.all([
      this.db.query<{ start: Date; allow: number; deny: number }>(
        `SELECT date_trunc('${bucket}', created_at) AS start, ${counts} FROM decisions ${filtered}
          GROUP BY 1 ORDER BY 1`,
        params,
      ),
      this.db.query<{ action: string; allow: number; deny: number }>(
        `SELECT action, ${counts} FROM decisions ${filtered} GROUP BY action ORDER BY count(*) DESC, action`,
        params,
      ),
      this.db.query<{ principle: string; deny: number }>(
        `SELECT principle, count(DISTINCT id)::int AS deny
           FROM (SELECT id, jsonb_array_elements_text(reason->'principles') AS principle
                   FROM decisions, jsonb_array_elements(reasons) AS reason
                  ${clause([...conditions, `decision = 'deny'`, `reason->>'effect' = 'forbid'`])}) denied
          GROUP BY principle ORDER BY deny DESC, principle LIMIT 10`,
        params,
      ),
    ]);
    return {
      bucket,
      from: filter.from,
      to: filter.to,
      series: series.map((row) => ({ start: new Date(row.start).toISOString(), allow: row.allow, deny: row.deny })),
      by_action: byAction,
      top_denying_principles: principles,
    };
  }
}
