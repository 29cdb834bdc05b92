import type { SessionHistory } from '../../domain/enforcement/decide.js';
import { EMPTY_SESSION, type SessionStep } from '../../domain/enforcement/session.js';
import type { Database } from '../../platform/db/database.js';

/**
 * Enforcement sessions' histories, keyed by the caller that owns them and the session id it chose. A session's
 * requests are decided one at a time on this instance, so a call cannot slip past the history of the call before it.
 */
export class SessionStore {
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(private readonly db: Database) {}

  async history(ownerId: string, sessionId: string): Promise<SessionHistory> {
    const row = (
      await this.db.query<{ prior_tools: string[]; prior_findings: string[] }>(
        'SELECT prior_tools, prior_findings FROM enforcement_sessions WHERE owner_id = $1 AND session_id = $2',
        [ownerId, sessionId],
      )
    )[0];
    return row ?? EMPTY_SESSION;
  }

  async record(ownerId: string, sessionId: string, step: SessionStep): Promise<void> {
    await this.db.query(
      `INSERT INTO enforcement_sessions (owner_id, session_id, prior_tools, prior_findings) VALUES ($1, $2, $3, $4)
       ON CONFLICT (owner_id, session_id) DO UPDATE SET
         prior_tools = ARRAY(SELECT DISTINCT t FROM unnest(enforcement_sessions.prior_tools || EXCLUDED.prior_tools) AS t ORDER BY t),
         prior_findings = ARRAY(SELECT DISTINCT f FROM unnest(enforcement_sessions.prior_findings || EXCLUDED.prior_findings) AS f ORDER BY f),
         updated_at = date_trunc('milliseconds', now())`,
      [ownerId, sessionId, step.tools, step.findings],
    );
  }

  /** Runs work after every earlier work of the same session has settled. */
  serialised<T>(ownerId: string, sessionId: string, work: () => Promise<T>): Promise<T> {
    const key = `${ownerId}\n${sessionId}`;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
