import type { Queryable } from '../../../platform/db/database.js';

/** What a principal used through the LLM gateway: over the last 24 hours, and in the session it is asking in. */
export interface UsageTotals {
  tokens24h: number;
  requests24h: number;
  /** Tokens of the principal's exchanges in this session (0 outside one). */
  sessionTokens: number;
}

/** One exchange's tokens: as the provider counted them, or estimated when it did not say. */
export interface ExchangeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  estimated: boolean;
}

/** The gateway's estimate where a provider gives no count: about four characters a token, as OpenAI's guidance has it. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

/**
 * Tokens and requests per principal through the LLM gateway (`llm_usage`): the running totals budgets are decided on.
 * A session is the principal's own: the same session id used by another principal is another session.
 */
export class UsageMeter {
  constructor(private readonly db: Queryable) {}

  async record(
    principalId: string,
    sessionId: string | null,
    upstream: string,
    model: string,
    usage: ExchangeUsage,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO llm_usage (principal_id, session_id, upstream, model, prompt_tokens, completion_tokens, estimated)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [principalId, sessionId, upstream, model, usage.prompt_tokens, usage.completion_tokens, usage.estimated],
    );
  }

  /** The principal's totals, one round trip for both windows. */
  async totals(principalId: string, sessionId: string | null): Promise<UsageTotals> {
    const [row] = await this.db.query<{
      tokens: string | number;
      requests: string | number;
      session_tokens: string | number;
    }>(
      `SELECT
         coalesce(sum(prompt_tokens + completion_tokens) FILTER (WHERE created_at > now() - interval '24 hours'), 0) AS tokens,
         count(*) FILTER (WHERE created_at > now() - interval '24 hours') AS requests,
         coalesce(sum(prompt_tokens + completion_tokens) FILTER (WHERE session_id = $2), 0) AS session_tokens
       FROM llm_usage
       WHERE principal_id = $1 AND (created_at > now() - interval '24 hours' OR session_id = $2)`,
      [principalId, sessionId],
    );
    return {
      tokens24h: Number(row?.tokens ?? 0),
      requests24h: Number(row?.requests ?? 0),
      sessionTokens: Number(row?.session_tokens ?? 0),
    };
  }
}
