import { useCallback, useMemo, useState, type FormEvent } from 'react';
import { api, query } from '../api/client.js';
import type { Page, TreeHead } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { entriesToCsv, type ExportedEntry } from '../text/export.js';
import { Link, navigate, filtersFrom, useLocation } from '../router.js';
import { useTrust } from '../trust-context.js';
import { CheckBadge, ErrorNotice, Show, Time, type CheckState } from '../ui/status.js';
import { checkInclusion, checkTreeHead, type Check } from '../verify/log-checks.js';
import { verifyDetachedSignature } from '../verify/signatures.js';
import { useChecks } from '../verify/use-checks.js';
import { localStorageWitnessStore, witness, type ConsistencyAnswer, type WitnessVerdict } from '../verify/witness.js';
import { asCheckState } from './bundles.js';
import { saveFile } from '../ui/download.js';

const FILTERS = ['action', 'resource', 'user_id', 'from', 'to'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;
const EXPORT_LIMIT = 10_000;

interface HeadChecks {
  signature: Check;
  witness: WitnessVerdict;
}

const witnessState = (verdict: WitnessVerdict | undefined): CheckState =>
  verdict === undefined
    ? { state: 'pending' }
    : verdict.state === 'inconsistent'
      ? { state: 'failed', detail: verdict.detail }
      : { state: 'ok', detail: verdict.detail };

/** The head is checked twice here: its signature by a trusted key, and that it extends the last head this browser saw. */
function HeadPanel({ head }: { head: TreeHead }) {
  const { keys } = useTrust();
  const run = useCallback(
    async (input: TreeHead): Promise<HeadChecks> => {
      const signature = await checkTreeHead(input, keys!, verifyDetachedSignature);
      // Only a head whose signature holds may become the witness's reference.
      const verdict: WitnessVerdict = signature.ok
        ? await witness(input, localStorageWitnessStore(window.localStorage), (first, second) =>
            api.get<ConsistencyAnswer>(`/api/v1/audit/proof/consistency${query({ first, second })}`),
          )
        : { state: 'inconsistent', detail: 'not compared: the head is not signed by a trusted key' };
      return { signature, witness: verdict };
    },
    [keys],
  );
  const checks = useChecks(keys === null ? null : head, run);
  return (
    <section className="card" aria-label="Tree head">
      <h2>Tree head</h2>
      <p>
        {head.tree_size.toLocaleString()} entries · root <code className="mono">{head.root_hash}</code> · signed{' '}
        <Time iso={head.timestamp} />
      </p>
      <p className="checks">
        <CheckBadge label="tree head signature" check={asCheckState(checks?.signature)} />{' '}
        <CheckBadge label="browser witness" check={witnessState(checks?.witness)} />
      </p>
      {checks?.witness.state === 'inconsistent' ? (
        <p className="notice notice-error" role="alert" data-testid="witness-alert">
          The audit log is not consistent with what this browser saw before: {checks.witness.detail}. Keep this
          browser’s record and report it; the head it remembers is kept.
        </p>
      ) : null}
    </section>
  );
}

function EntryInclusion({ index, head }: { index: number; head: TreeHead }) {
  const [check, setCheck] = useState<Check | null>(null);
  const prove = useAction(
    useCallback(async () => {
      const proof = await api.get<{ leaf_data: string; audit_path: string[]; root_hash: string }>(
        `/api/v1/audit/proof/inclusion${query({ index, tree_size: head.tree_size })}`,
      );
      // The root must be the signed head's, not merely whatever root the proof names.
      setCheck(
        proof.root_hash !== head.root_hash
          ? { ok: false, detail: 'the proof names a root other than the signed head’s' }
          : await checkInclusion({ ...proof, leaf_index: index, tree_size: head.tree_size, root_hash: head.root_hash }),
      );
    }, [index, head]),
  );
  if (check !== null) return <CheckBadge label={`entry ${index}`} check={asCheckState(check)} />;
  return (
    <button type="button" className="linkish" disabled={prove.busy} onClick={() => void prove.run()}>
      verify inclusion
    </button>
  );
}

function FilterForm({ filters }: { filters: Filters }) {
  const [draft, setDraft] = useState<Filters>(filters);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate(`/audit${query(draft)}`);
  };
  return (
    <form onSubmit={submit} className="card grid-form" aria-label="Audit filters">
      {FILTERS.map((key) => (
        <label key={key}>
          {key.replace('_', ' ')}
          <input
            value={draft[key] ?? ''}
            placeholder={key === 'from' || key === 'to' ? '2026-12-01T00:00:00Z' : undefined}
            onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
          />
        </label>
      ))}
      <div className="actions">
        <button type="submit">Apply filters</button>
        <Link href="/audit">Clear</Link>
      </div>
    </form>
  );
}

export function AuditPage() {
  const { params } = useLocation();
  const filters: Filters = useMemo(() => filtersFrom(params, FILTERS), [params]);
  const cursor = params.get('cursor');
  const head = useApi<TreeHead>('/api/v1/audit/tree-head');
  const entries = useApi<Page<ExportedEntry>>(`/api/v1/audit/logs${query({ ...filters, cursor, limit: 100 })}`);
  const exporting = useAction(async (format: 'csv' | 'json') => {
    const all: ExportedEntry[] = [];
    let next: string | null = null;
    do {
      const page: Page<ExportedEntry> = await api.get(
        `/api/v1/audit/logs${query({ ...filters, cursor: next, limit: 500 })}`,
      );
      all.push(...page.items);
      next = page.next_cursor;
    } while (next !== null && all.length < EXPORT_LIMIT);
    if (format === 'csv') saveFile('audit-log.csv', entriesToCsv(all), 'text/csv');
    else saveFile('audit-log.json', JSON.stringify(all, null, 2), 'application/json');
    return all.length;
  });
  return (
    <>
      <h1>Audit log</h1>
      <Show loaded={head}>{(tree) => <HeadPanel head={tree} />}</Show>
      <FilterForm key={params.toString()} filters={filters} />
      <div className="actions">
        <button type="button" className="secondary" disabled={exporting.busy} onClick={() => void exporting.run('csv')}>
          Export CSV
        </button>
        <button
          type="button"
          className="secondary"
          disabled={exporting.busy}
          onClick={() => void exporting.run('json')}
        >
          Export JSON
        </button>
        <span className="muted">the current filter, up to {EXPORT_LIMIT.toLocaleString()} entries</span>
      </div>
      {exporting.error === null ? null : <ErrorNotice error={exporting.error} />}
      <Show loaded={entries}>
        {(page) => (
          <>
            <table aria-label="Audit entries">
              <thead>
                <tr>
                  <th>#</th>
                  <th>When</th>
                  <th>Action</th>
                  <th>Resource</th>
                  <th>User</th>
                  <th>Inclusion</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((entry) => (
                  <tr key={entry.leaf_index} data-leaf={entry.leaf_index}>
                    <td>{entry.leaf_index}</td>
                    <td>
                      <Time iso={entry.timestamp} />
                    </td>
                    <td>{entry.action}</td>
                    <td>
                      {entry.resource.startsWith('decision:') ? (
                        <Link href={`/decisions/${entry.resource.slice('decision:'.length)}`}>{entry.resource}</Link>
                      ) : (
                        entry.resource
                      )}
                    </td>
                    <td className="mono">{entry.user_id?.slice(0, 8) ?? '—'}</td>
                    <td>
                      {head.status === 'ready' && entry.leaf_index < head.data.tree_size ? (
                        <EntryInclusion index={entry.leaf_index} head={head.data} />
                      ) : (
                        <span className="muted">after the head</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {page.next_cursor === null ? null : (
              <p>
                <Link href={`/audit${query({ ...filters, cursor: page.next_cursor })}`}>Older entries →</Link>
              </p>
            )}
          </>
        )}
      </Show>
    </>
  );
}
