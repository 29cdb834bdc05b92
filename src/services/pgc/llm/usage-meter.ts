import type { Queryable } from '../../../platform/db/database.js';

/** What a principal used through the LLM gateway over the last 24 hours. */
export interface UsageTotals {
  tokens: number;
  requests: number;
}

/** One exchange's tokens: as the provider counted them, or estimated when it did not say. */
export interface ExchangeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  estimated: boolean;
}

/** The gateway's estimate where a provider gives no count: about four characters a token, as OpenAI's guidance has it. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

/** Tokens and requests per principal through the LLM gateway (`llm_usage`): the running totals budgets are decided on. */
export class UsageMeter {
  constructor(private readonly db: Queryable) {}

  async record(principalId: string, upstream: string, model: string, usage: ExchangeUsage): Promise<void> {
    await this.db.query(
      `INSERT INTO llm_usage (principal_id, upstream, model, prompt_tokens, completion_tokens, estimated)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [principalId, upstream, model, usage.prompt_tokens, usage.completion_tokens, usage.estimated],
    );
  }

  async last24h(principalId: string): Promise<UsageTotals> {
    const [row] = await this.db.query<{ tokens: string | number; requests: string | number }>(
      `SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) AS tokens, count(*) AS requests
       FROM llm_usage WHERE principal_id = $1 AND created_at > now() - interval '24 hours'`,
      [principalId],
    );
    return { tokens: Number(row?.tokens ?? 0), requests: Number(row?.requests ?? 0) };
  }
}
