import type { Cache } from '../../../platform/cache.js';
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

/** An exchange's share of its principal's budget, from its first decision until it is metered (or ends without). */
export interface MeteredExchange {
  /** The totals the exchange is decided on: what was metered, what is in flight, and this exchange's prompt. */
  totals: UsageTotals;
  /**
   * Records the exchange's tokens (null: it never reached the model, or had no answer to count) and gives back its
   * reservation. Safe to call more than once: a later call only records.
   */
  settle(metered: { upstream: string; model: string; usage: ExchangeUsage } | null): Promise<void>;
}

/** The gateway's estimate where a provider gives no count: about four characters a token, as OpenAI's guidance has it. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

/**
 * How long a tally of exchanges in flight outlives its last change: longer than any exchange, so it never lapses
 * under one; an instance that dies mid-exchange leaves its share counted (never too little) until then.
 */
const IN_FLIGHT_TTL_SECONDS = 3600;

/**
 * Tokens and requests per principal through the LLM gateway (`llm_usage`): the running totals budgets are decided on.
 * A session is the principal's own: the same session id used by another principal is another session. Exchanges in
 * flight count from their start (their prompt, estimated) in tallies in the platform cache — Redis shared by every
 * PGC instance, or this instance's memory without one — so concurrent requests cannot each pass a budget the next one
 * is held to.
 */
export class UsageMeter {
  constructor(
    private readonly db: Queryable,
    private readonly cache: Cache,
  ) {}

  /** Starts metering an exchange: its prompt and request are counted now, its tokens recorded when it settles. */
  async begin(principalId: string, sessionId: string | null, promptTokens: number): Promise<MeteredExchange> {
    const tallies: [string, number][] = [
      [`llm:inflight:tokens:${principalId}`, promptTokens],
      [`llm:inflight:requests:${principalId}`, 1],
    ];
    if (sessionId !== null) tallies.push([`llm:inflight:session:${principalId}:${sessionId}`, promptTokens]);
    const adjust = (sign: 1 | -1) =>
      Promise.all(tallies.map(([key, by]) => this.cache.adjust(key, sign * by, IN_FLIGHT_TTL_SECONDS)));
    // Each tally answers its value with this exchange added: of exchanges starting together, each counts those that
    // started before it and itself, so a budget lets exactly as many through as it has room for.
    const reserving = adjust(1);
    let reserved = true;
    const release = async () => {
      if (!reserved) return;
      reserved = false;
      await adjust(-1);
    };
    let stored: UsageTotals;
    let inFlight: number[];
    try {
      [stored, inFlight] = await Promise.all([this.stored(principalId, sessionId), reserving]);
    } catch (error) {
      // A reservation that was made is given back; one that failed (the cache unreachable) has nothing to give back.
      await reserving.then(release, () => undefined);
      throw error;
    }
    return {
      totals: {
        tokens24h: stored.tokens24h + inFlight[0]!,
        requests24h: stored.requests24h + inFlight[1]!,
        sessionTokens: stored.sessionTokens + (sessionId === null ? promptTokens : inFlight[2]!),
      },
      settle: async (metered) => {
        try {
          if (metered !== null)
            await this.record(principalId, sessionId, metered.upstream, metered.model, metered.usage);
        } finally {
          // Given back only once the row is in: a read in between counts the exchange twice, never not at all.
          await release();
        }
      },
    };
  }

  private async record(
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

  /** The principal's metered totals, one round trip for both windows. */
  private async stored(principalId: string, sessionId: string | null): Promise<UsageTotals> {
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
