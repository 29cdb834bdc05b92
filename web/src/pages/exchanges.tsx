import { useState, type FormEvent } from 'react';
import { query } from '../api/client.js';
import type { ModelExchange, Page } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { Link, navigate, useLocation } from '../router.js';
import { Show, Time } from '../ui/status.js';

/** The principles behind an exchange's denials, or its reason codes when no principle was involved. */
function whyOf(exchange: ModelExchange): string {
  const denied = exchange.decisions.filter((decision) => decision.decision === 'deny');
  const principles = [
    ...new Set(denied.flatMap((decision) => decision.reasons.flatMap((reason) => reason.principles))),
  ];
  if (principles.length > 0) return principles.join(', ');
  return [...new Set(denied.flatMap((decision) => decision.reasons.map((reason) => reason.error_code)))].join(', ');
}

/** One decision as a step of its exchange: what was decided, how, and on which tool when it was a proposed call. */
function Step({ decision }: { decision: ModelExchange['decisions'][number] }) {
  return (
    <Link href={`/decisions/${decision.id}`}>
      <span className={`verdict verdict-${decision.decision}`} data-step={`${decision.action}:${decision.decision}`}>
        {decision.action}
        {decision.resource.type === 'Tool' ? ` ${decision.resource.id}` : ''} {decision.decision}
      </span>
    </Link>
  );
}

/**
 * The LLM gateway's exchanges: each request's decisions on the prompt, the answer and the tool calls the model
 * proposed, together, so what happened to one model call reads as one line.
 */
export function ExchangesPage() {
  const { params } = useLocation();
  const principal = params.get('principal') ?? '';
  const cursor = params.get('cursor');
  const [draft, setDraft] = useState(principal);
  const page = useApi<Page<ModelExchange>>(`/api/v1/enforcement/exchanges${query({ principal, cursor, limit: 50 })}`);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate(`/exchanges${query({ principal: draft })}`);
  };
  return (
    <>
      <h1>Model exchanges</h1>
      <p className="muted">
        Every request about a model: through the LLM gateway, its prompt (generate), its answer (respond) and the tool
        calls the model proposed (tool_call), each a logged decision with a receipt.
      </p>
      <form onSubmit={submit} className="card grid-form" aria-label="Filters">
        <label>
          Principal (Type::id or id)
          <input value={draft} onChange={(e) => setDraft(e.target.value)} />
        </label>
        <div className="actions">
          <button type="submit">Apply filters</button>
          <Link href="/exchanges">Clear</Link>
        </div>
      </form>
      <Show loaded={page}>
        {({ items, next_cursor: next }) => (
          <>
            {items.length === 0 ? <p className="muted">No exchanges yet.</p> : null}
            <table aria-label="Exchanges">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Principal</th>
                  <th>Model</th>
                  <th>Decisions</th>
                  <th>Why denied</th>
                </tr>
              </thead>
              <tbody>
                {items.map((exchange) => (
                  <tr key={exchange.request_id} data-request-id={exchange.request_id}>
                    <td>
                      <Link href={`/decisions${query({ request_id: exchange.request_id })}`}>
                        <Time iso={exchange.started_at} />
                      </Link>
                    </td>
                    <td>
                      {exchange.principal.type}::{exchange.principal.id}
                    </td>
                    <td>{exchange.model}</td>
                    <td>
                      {exchange.decisions.map((decision, index) => (
                        <span key={decision.id}>
                          {index === 0 ? null : ' → '}
                          <Step decision={decision} />
                        </span>
                      ))}
                    </td>
                    <td>{whyOf(exchange)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {next === null ? null : (
              <p>
                <Link href={`/exchanges${query({ principal, cursor: next })}`}>Older exchanges →</Link>
              </p>
            )}
          </>
        )}
      </Show>
    </>
  );
}
