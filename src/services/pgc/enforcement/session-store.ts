import type { SessionHistory } from '../../../domain/enforcement/decide.js';
import { EMPTY_SESSION, type SessionStep } from '../../../domain/enforcement/session.js';
import type { Database } from '../../../platform/db/database.js';

/**
 * One enforcement session as the enforcer uses it: its requests are decided one at a time, each with the history
 * of those before it, so a call cannot slip past the history of the call before it.
 */
export interface EnforcementSession {
  serialised<T>(work: () => Promise<T>): Promise<T>;
  history(): Promise<SessionHistory>;
  record(step: SessionStep): Promise<void>;
}

/** Runs work after every earlier work given to it has settled. */
class WorkQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }

  get idle(): Promise<unknown> {
    return this.tail;
  }
}

const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])].sort();

/**
 * An MCP session's history, in the memory of the instance that holds the session: the session itself lives only
 * there (a restarted instance has no such session to continue), so its history needs no database round trips.
 */
export class MemorySession implements EnforcementSession {
  private readonly queue = new WorkQueue();
  private current: SessionHistory = EMPTY_SESSION;

  serialised<T>(work: () => Promise<T>): Promise<T> {
    return this.queue.run(work);
  }

  async history(): Promise<SessionHistory> {
    return this.current;
  }

  async record(step: SessionStep): Promise<void> {
    this.current = {
      prior_tools: union(this.current.prior_tools, step.tools),
      prior_findings: union(this.current.prior_findings, step.findings),
    };
  }
}

/**
 * Sessions of the evaluate API (`session_id`), kept in the database so every instance sees them, keyed by the caller
 * that owns them and the id it chose: another caller's requests with the same id are another session.
 */
export class DatabaseSessions {
  private readonly queues = new Map<string, WorkQueue>();

  constructor(private readonly db: Database) {}

  open(ownerId: string, sessionId: string): EnforcementSession {
    const key = `${ownerId}\n${sessionId}`;
    return {
      serialised: <T>(work: () => Promise<T>) => {
        let queue = this.queues.get(key);
        if (queue === undefined) this.queues.set(key, (queue = new WorkQueue()));
        const done = queue.run(work);
        const settled = queue.idle;
        // A session nobody is using holds no memory here.
        void settled.then(() => {
          if (this.queues.get(key)?.idle === settled) this.queues.delete(key);
        });
        return done;
      },
      history: () => this.history(ownerId, sessionId),
      record: (step) => this.record(ownerId, sessionId, step),
    };
  }

  private async history(ownerId: string, sessionId: string): Promise<SessionHistory> {
    const row = (
      await this.db.query<{ prior_tools: string[]; prior_findings: string[] }>(
        'SELECT prior_tools, prior_findings FROM enforcement_sessions WHERE owner_id = $1 AND session_id = $2',
        [ownerId, sessionId],
      )
    )[0];
    return row ?? EMPTY_SESSION;
  }

  private async record(ownerId: string, sessionId: string, step: SessionStep): Promise<void> {
    await this.db.query(
      `INSERT INTO enforcement_sessions (owner_id, session_id, prior_tools, prior_findings) VALUES ($1, $2, $3, $4)
       ON CONFLICT (owner_id, session_id) DO UPDATE SET
         prior_tools = ARRAY(SELECT DISTINCT t FROM unnest(enforcement_sessions.prior_tools || EXCLUDED.prior_tools) AS t ORDER BY t),
         prior_findings = ARRAY(SELECT DISTINCT f FROM unnest(enforcement_sessions.prior_findings || EXCLUDED.prior_findings) AS f ORDER BY f),
         updated_at = date_trunc('milliseconds', now())`,
      [ownerId, sessionId, step.tools, step.findings],
    );
  }
}
