import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client.js';
import {
  ACTIONS,
  PRINCIPAL_TYPES,
  RESOURCE_TYPES,
  type EntityRef,
  type EvaluationRequest,
  type Simulation,
  type StoredDecision,
} from '../api/types.js';
import { useAction } from '../api/use-api.js';
import { Link, useLocation } from '../router.js';
import { loadCases, saveCases, type SavedCase } from '../saved-cases.js';
import { FindingTable, HighlightedContent, ReasonList } from '../ui/decision-parts.js';
import { ErrorNotice, shortHash } from '../ui/status.js';

const EXAMPLE: EvaluationRequest = {
  principal: { type: 'Agent', id: 'support-bot' },
  action: 'send_external',
  resource: { type: 'Channel', id: 'email' },
  context: {},
  content: 'Your card 4111 1111 1111 1111 is on file',
};

/** A logged decision as the request that produced it (content only when the platform stores it). */
function requestOf(decision: StoredDecision): EvaluationRequest {
  return {
    principal: decision.principal,
    action: decision.action,
    resource: decision.resource,
    context: decision.context,
    ...(decision.content === null ? {} : { content: decision.content }),
  };
}

/** An entity's type and id, the two fields principal and resource both have. */
function EntityFields({
  label,
  types,
  value,
  onChange,
}: {
  label: string;
  types: readonly string[];
  value: EntityRef;
  onChange(next: EntityRef): void;
}) {
  return (
    <>
      <label>
        {label} type
        <select value={value.type} onChange={(e) => onChange({ ...value, type: e.target.value })}>
          {types.map((type) => (
            <option key={type}>{type}</option>
          ))}
        </select>
      </label>
      <label>
        {label} id
        <input value={value.id} onChange={(e) => onChange({ ...value, id: e.target.value })} />
      </label>
    </>
  );
}

export function TestBenchPage() {
  const { params } = useLocation();
  const replay = params.get('decision');
  const [request, setRequest] = useState<EvaluationRequest>(EXAMPLE);
  const [mode, setMode] = useState<'form' | 'json'>('form');
  const [json, setJson] = useState(JSON.stringify(EXAMPLE, null, 2));
  const [contextText, setContextText] = useState('{}');
  const [candidateAdd, setCandidateAdd] = useState('');
  const [candidateRemove, setCandidateRemove] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [result, setResult] = useState<{ request: EvaluationRequest; answer: Simulation } | null>(null);
  const [cases, setCases] = useState<SavedCase[]>(() => loadCases());
  const [caseName, setCaseName] = useState('');
  const [replayNote, setReplayNote] = useState<string | null>(null);
  const simulate = useAction(async (body: unknown) => api.post<Simulation>('/api/v1/enforcement/simulate', body));

  const load = (next: EvaluationRequest) => {
    setRequest(next);
    setJson(JSON.stringify(next, null, 2));
    setContextText(JSON.stringify(next.context ?? {}, null, 2));
  };

  useEffect(() => {
    if (replay === null) return;
    void api.get<StoredDecision>(`/api/v1/enforcement/decisions/${encodeURIComponent(replay)}`).then(
      (decision) => {
        load(requestOf(decision));
        setReplayNote(
          `Loaded decision ${decision.id} (${decision.decision})${decision.content === null ? '; its content was not stored, so the detectors see none' : ''}.`,
        );
      },
      (error: unknown) => setReplayNote(`Could not load decision ${replay}: ${String(error)}`),
    );
  }, [replay]);

  const current = (): EvaluationRequest | null => {
    try {
      if (mode === 'json') return JSON.parse(json) as EvaluationRequest;
      const context = JSON.parse(contextText === '' ? '{}' : contextText) as Record<string, unknown>;
      // An empty content box means no content, which the detectors treat differently from an empty string.
      const { content, ...rest } = request;
      return content === undefined || content === '' ? { ...rest, context } : { ...rest, context, content };
    } catch (error) {
      setProblem(`Not JSON: ${(error as Error).message}`);
      return null;
    }
  };

  const run = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    const given = current();
    if (given === null) return;
    const add = candidateAdd.trim() === '' ? [] : [candidateAdd];
    const remove = candidateRemove
      .split(/[\s,]+/)
      .map((id) => id.trim())
      .filter(Boolean);
    const body = { request: given, ...(add.length + remove.length > 0 ? { candidate: { add, remove } } : {}) };
    const answer = await simulate.run(body);
    if (answer !== undefined) setResult({ request: given, answer });
  };

  const saveCase = () => {
    const given = current();
    if (given === null || caseName.trim() === '') return;
    const next = [...cases.filter((item) => item.name !== caseName.trim()), { name: caseName.trim(), request: given }];
    saveCases(next);
    setCases(next);
    setCaseName('');
  };

  return (
    <>
      <h1>Test bench</h1>
      <p className="muted">
        Decides with the server's own engine and detectors, as the decision API would, in a dry run: nothing is logged.
      </p>
      {replayNote === null ? null : (
        <p className="notice" role="status">
          {replayNote}
        </p>
      )}
      <form onSubmit={run} className="card" aria-label="Request">
        <div className="tabs" role="radiogroup" aria-label="Input">
          <label>
            <input type="radio" name="mode" checked={mode === 'form'} onChange={() => setMode('form')} /> Form
          </label>
          <label>
            <input
              type="radio"
              name="mode"
              checked={mode === 'json'}
              onChange={() => {
                const given = current();
                if (given !== null) setJson(JSON.stringify(given, null, 2));
                setMode('json');
              }}
            />{' '}
            JSON
          </label>
        </div>
        {mode === 'json' ? (
          <label>
            Request JSON
            <textarea rows={12} spellCheck={false} value={json} onChange={(e) => setJson(e.target.value)} />
          </label>
        ) : (
          <div className="grid-form">
            <EntityFields
              label="Principal"
              types={PRINCIPAL_TYPES}
              value={request.principal}
              onChange={(principal) => setRequest({ ...request, principal })}
            />
            <label>
              Action
              <select value={request.action} onChange={(e) => setRequest({ ...request, action: e.target.value })}>
                {ACTIONS.map((action) => (
                  <option key={action}>{action}</option>
                ))}
              </select>
            </label>
            <EntityFields
              label="Resource"
              types={RESOURCE_TYPES}
              value={request.resource}
              onChange={(resource) => setRequest({ ...request, resource })}
            />
            <label className="wide">
              Content (prompt, tool input or output)
              <textarea
                rows={3}
                value={request.content ?? ''}
                onChange={(e) => setRequest({ ...request, content: e.target.value })}
              />
            </label>
            <label className="wide">
              Context JSON
              <textarea
                rows={3}
                spellCheck={false}
                value={contextText}
                onChange={(e) => setContextText(e.target.value)}
              />
            </label>
          </div>
        )}
        <details>
          <summary>Against a candidate policy set</summary>
          <label>
            Cedar to add (with @id; an id in force is replaced)
            <textarea
              rows={4}
              spellCheck={false}
              value={candidateAdd}
              onChange={(e) => setCandidateAdd(e.target.value)}
            />
          </label>
          <label>
            Policy ids to leave out
            <input value={candidateRemove} onChange={(e) => setCandidateRemove(e.target.value)} />
          </label>
        </details>
        {problem === null ? null : (
          <p className="notice notice-error" role="alert">
            {problem}
          </p>
        )}
        {simulate.error === null ? null : <ErrorNotice error={simulate.error} />}
        <div className="actions">
          <button type="submit" disabled={simulate.busy}>
            Decide (dry run)
          </button>
          <label className="inline">
            Save as
            <input value={caseName} onChange={(e) => setCaseName(e.target.value)} placeholder="case name" />
          </label>
          <button type="button" className="secondary" onClick={saveCase} disabled={caseName.trim() === ''}>
            Save case
          </button>
        </div>
      </form>
      {cases.length === 0 ? null : (
        <section aria-label="Saved cases">
          <h2>Saved cases</h2>
          <ul>
            {cases.map((item) => (
              <li key={item.name}>
                <button type="button" className="linkish" onClick={() => load(item.request)}>
                  {item.name}
                </button>{' '}
                <button
                  type="button"
                  className="linkish muted"
                  aria-label={`Delete ${item.name}`}
                  onClick={() => {
                    const next = cases.filter((other) => other.name !== item.name);
                    saveCases(next);
                    setCases(next);
                  }}
                >
                  delete
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {result === null ? null : (
        <section className="card" aria-label="Result">
          <h2>
            <span className={`verdict verdict-${result.answer.decision}`} data-testid="bench-decision">
              {result.answer.decision}
            </span>{' '}
            {result.answer.candidate ? '(candidate set)' : '(bundle in force)'}
          </h2>
          <ReasonList reasons={result.answer.reasons} />
          {result.request.content === undefined ? null : (
            <HighlightedContent content={result.request.content} findings={result.answer.findings} />
          )}
          <FindingTable findings={result.answer.findings} />
          {result.answer.obligations.map((obligation, index) => (
            <p key={index} className="muted">
              Obligation <strong>{obligation.type}</strong>
              {obligation.redacted_content === undefined ? '' : `: "${obligation.redacted_content}"`}
            </p>
          ))}
          <p className="muted">
            Bundle {result.answer.bundle_hash === null ? '—' : shortHash(result.answer.bundle_hash)} · constitution{' '}
            {result.answer.constitution_hash === null ? '—' : shortHash(result.answer.constitution_hash)} · not logged.{' '}
            <Link
              href={`/decisions?action=${encodeURIComponent(result.request.action)}&principal=${encodeURIComponent(`${result.request.principal.type}::${result.request.principal.id}`)}`}
            >
              Logged decisions like this
            </Link>
          </p>
        </section>
      )}
    </>
  );
}
