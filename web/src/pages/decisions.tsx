import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { consoleConfig, traceUrl } from '../console-config.js';
import { api, query } from '../api/client.js';
import { ACTIONS, type Page, type StoredDecision } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { Link, navigate, filtersFrom, useLocation } from '../router.js';
import { useTrust } from '../trust-context.js';
import { FindingTable, ReasonList } from '../ui/decision-parts.js';
import { CheckBadge, ErrorNotice, shortHash, Show, Time } from '../ui/status.js';
import { checkReceipt, type Receipt, type ReceiptChecks } from '../verify/log-checks.js';
import { verifyDetachedSignature } from '../verify/signatures.js';
import { asCheckState } from './bundles.js';

const FILTERS = [
  'decision',
  'action',
  'principal',
  'policy',
  'principle',
  'from',
  'to',
  'request_id',
  'trace_id',
] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** datetime-local inputs speak local time without a zone; the API speaks ISO 8601 instants. */
const toInstant = (local: string) => (local === '' ? '' : new Date(local).toISOString());
const toLocal = (iso: string | undefined) => {
  if (iso === undefined || iso === '') return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? ''
    : new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

function FilterForm({ filters }: { filters: Filters }) {
  const [draft, setDraft] = useState<Filters>(filters);
  const set = (key: keyof Filters, value: string) => setDraft({ ...draft, [key]: value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate(`/decisions${query(draft)}`);
  };
  return (
    <form onSubmit={submit} className="card grid-form" aria-label="Filters">
      <label>
        Decision
        <select value={draft.decision ?? ''} onChange={(e) => set('decision', e.target.value)}>
          <option value="">any</option>
          <option value="allow">allow</option>
          <option value="deny">deny</option>
        </select>
      </label>
      <label>
        Action
        <select value={draft.action ?? ''} onChange={(e) => set('action', e.target.value)}>
          <option value="">any</option>
          {ACTIONS.map((action) => (
            <option key={action}>{action}</option>
          ))}
        </select>
      </label>
      <label>
        Principal (Type::id or id)
        <input value={draft.principal ?? ''} onChange={(e) => set('principal', e.target.value)} />
      </label>
      <label>
        Policy
        <input value={draft.policy ?? ''} onChange={(e) => set('policy', e.target.value)} />
      </label>
      <label>
        Principle
        <input value={draft.principle ?? ''} onChange={(e) => set('principle', e.target.value)} />
      </label>
      <label>
        Request id
        <input value={draft.request_id ?? ''} onChange={(e) => set('request_id', e.target.value)} />
      </label>
      <label>
        Trace id
        <input value={draft.trace_id ?? ''} onChange={(e) => set('trace_id', e.target.value)} />
      </label>
      <label>
        From
        <input
          type="datetime-local"
          value={toLocal(draft.from)}
          onChange={(e) => set('from', toInstant(e.target.value))}
        />
      </label>
      <label>
        To
        <input type="datetime-local" value={toLocal(draft.to)} onChange={(e) => set('to', toInstant(e.target.value))} />
      </label>
      <div className="actions">
        <button type="submit">Apply filters</button>
        <Link href="/decisions">Clear</Link>
      </div>
    </form>
  );
}

export function DecisionsPage() {
  const { params } = useLocation();
  const filters: Filters = filtersFrom(params, FILTERS);
  const cursor = params.get('cursor');
  const page = useApi<Page<StoredDecision>>(`/api/v1/enforcement/decisions${query({ ...filters, cursor, limit: 50 })}`);
  return (
    <>
      <h1>Decisions</h1>
      <FilterForm key={params.toString()} filters={filters} />
      <Show loaded={page}>
        {({ items, next_cursor: next }) => (
          <>
            {items.length === 0 ? <p className="muted">No decisions match.</p> : null}
            <table aria-label="Decisions">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Decision</th>
                  <th>Action</th>
                  <th>Principal</th>
                  <th>Resource</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                {items.map((decision) => (
                  <tr key={decision.id} data-decision-id={decision.id}>
                    <td>
                      <Link href={`/decisions/${decision.id}`}>
                        <Time iso={decision.created_at} />
                      </Link>
                    </td>
                    <td className={`verdict verdict-${decision.decision}`}>{decision.decision}</td>
                    <td>{decision.action}</td>
                    <td>
                      {decision.principal.type}::{decision.principal.id}
                    </td>
                    <td>
                      {decision.resource.type}::{decision.resource.id}
                    </td>
                    <td>
                      {[...new Set(decision.reasons.flatMap((reason) => reason.principles))].join(', ') ||
                        decision.reasons.map((reason) => reason.error_code).join(', ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {next === null ? null : (
              <p>
                <Link href={`/decisions${query({ ...filters, cursor: next })}`}>Older decisions →</Link>
              </p>
            )}
          </>
        )}
      </Show>
    </>
  );
}

function ReceiptCheck({ decisionId }: { decisionId: string }) {
  const { keys } = useTrust();
  const [checks, setChecks] = useState<ReceiptChecks | null>(null);
  const verify = useAction(
    useCallback(async () => {
      const receipt = await api.get<Receipt>(`/api/v1/audit/receipts/${decisionId}`);
      setChecks(await checkReceipt(receipt, decisionId, keys!, verifyDetachedSignature));
    }, [decisionId, keys]),
  );
  return (
    <section className="card" aria-label="Receipt">
      <h2>Receipt</h2>
      <button type="button" disabled={keys === null || verify.busy} onClick={() => void verify.run()}>
        Verify receipt in this browser
      </button>{' '}
      {checks === null ? null : (
        <>
          <CheckBadge label="receipt inclusion" check={asCheckState(checks.inclusion)} />{' '}
          <CheckBadge label="receipt tree head" check={asCheckState(checks.treeHead)} />
        </>
      )}
      {verify.error === null ? null : <ErrorNotice error={verify.error} />}
    </section>
  );
}

function AppealForm({ decisionId }: { decisionId: string }) {
  const [reason, setReason] = useState('');
  const [filed, setFiled] = useState<string | null>(null);
  const file = useAction(async () => api.post<{ id: string }>('/api/v1/appeals', { decision_id: decisionId, reason }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const appeal = await file.run();
    if (appeal !== undefined) setFiled(appeal.id);
  };
  if (filed !== null)
    return (
      <p className="notice" role="status">
        Appeal filed: <Link href={`/appeals/${filed}`}>see it</Link>.
      </p>
    );
  return (
    <form onSubmit={submit} className="card" aria-label="Appeal">
      <h2>Appeal this decision</h2>
      <label>
        Why it is wrong
        <textarea required rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
      <button type="submit" disabled={file.busy}>
        File appeal
      </button>
      {file.error === null ? null : <ErrorNotice error={file.error} />}
    </form>
  );
}

/** The OpenTelemetry trace a decision was made in: a link into the operator's trace UI when one is configured. */
function TraceLink({ traceId }: { traceId: string }) {
  const [template, setTemplate] = useState<string | null>(null);
  useEffect(() => {
    void consoleConfig().then((config) => setTemplate(config.trace_url_template));
  }, []);
  const href = traceUrl(template, traceId);
  return (
    <p data-trace-id={traceId}>
      Trace{' '}
      {href === null ? (
        <code className="mono">{traceId}</code>
      ) : (
        <a href={href} target="_blank" rel="noopener noreferrer">
          <code className="mono">{traceId}</code>
        </a>
      )}{' '}
      · <Link href={`/decisions?trace_id=${traceId}`}>every decision in this trace</Link>
    </p>
  );
}

export function DecisionPage({ id }: { id: string }) {
  const decision = useApi<StoredDecision>(`/api/v1/enforcement/decisions/${encodeURIComponent(id)}`);
  return (
    <>
      <p>
        <Link href="/decisions">← Decisions</Link>
      </p>
      <Show loaded={decision}>
        {(item) => (
          <>
            <h1>
              Decision <span className={`verdict verdict-${item.decision}`}>{item.decision}</span>
            </h1>
            <p className="muted">
              {item.id} · <Time iso={item.created_at} /> · {item.latency_us} µs
            </p>
            <p>
              <strong>
                {item.principal.type}::{item.principal.id}
              </strong>{' '}
              asked to <strong>{item.action}</strong> on{' '}
              <strong>
                {item.resource.type}::{item.resource.id}
              </strong>
              .
            </p>
            <h2>Why</h2>
            <ReasonList reasons={item.reasons} />
            <h2>Findings</h2>
            <FindingTable findings={item.findings} />
            <h2>Context Cedar saw</h2>
            <pre className="source">{JSON.stringify(item.context, null, 2)}</pre>
            <p className="muted">
              Bundle {item.bundle_hash === null ? '—' : <code className="mono">{shortHash(item.bundle_hash)}</code>} ·
              constitution{' '}
              {item.constitution_hash === null ? (
                '—'
              ) : (
                <code className="mono">{shortHash(item.constitution_hash)}</code>
              )}{' '}
              · content{' '}
              {item.content_digest === null ? 'none' : <code className="mono">{shortHash(item.content_digest)}</code>}
            </p>
            {item.trace_id === null ? null : <TraceLink traceId={item.trace_id} />}
            <div className="actions">
              <Link href={`/bench?decision=${item.id}`}>Replay in the test bench</Link>
            </div>
            <ReceiptCheck decisionId={item.id} />
            <AppealForm decisionId={item.id} />
          </>
        )}
      </Show>
    </>
  );
}
