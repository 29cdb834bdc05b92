import { useState, type FormEvent } from 'react';
import { api, query } from '../api/client.js';
import type { Page, PolicyStatus, PolicyVersion, PolicyWithVersions, User } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { Link, navigate, useLocation } from '../router.js';
import { hasAnyRole, useUser } from '../session.js';
import { parseDiagnostics, type Diagnostic } from '../text/diagnostics.js';
import { lineDiff } from '../text/line-diff.js';
import { DiffView, SourceView } from '../ui/source-view.js';
import { ApproveButton } from '../ui/approve-button.js';
import { ErrorNotice, shortHash, Show, Time } from '../ui/status.js';

const EDITORS = ['admin', 'policy_manager'] as const;
const STATUSES: readonly (PolicyStatus | 'all')[] = [
  'all',
  'draft',
  'verified',
  'approved',
  'active',
  'superseded',
  'revoked',
];

/** Why this person may not approve this version, or null if they may: the two-person rule, said before they click. */
export function approvalBlocker(version: PolicyVersion, user: User): string | null {
  if (version.status !== 'verified') return null;
  if (version.author === user.id)
    return 'You wrote this version: the two-person rule needs another policy manager or admin to approve it.';
  if (version.first_approved_by === user.id)
    return 'You gave the first of two approvals this LLM-written version needs: a second person must give the other.';
  return null;
}

function PolicyEditor({
  existing,
  onSaved,
}: {
  existing: PolicyVersion | null;
  onSaved(version: PolicyVersion): void;
}) {
  const [source, setSource] = useState(existing?.source ?? '');
  const [name, setName] = useState(existing?.name ?? '');
  const save = useAction(async () => {
    const body = { source, ...(name.trim() === '' ? {} : { name: name.trim() }) };
    return existing === null
      ? api.post<PolicyVersion>('/api/v1/policies', body)
      : api.put<PolicyVersion>(`/api/v1/policies/${encodeURIComponent(existing.policy_id)}`, body);
  });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const saved = await save.run();
    if (saved !== undefined) onSaved(saved);
  };
  const error = save.error;
  const shown: Diagnostic[] = error?.code === 'INVALID_CEDAR' ? parseDiagnostics(error.detail) : [];
  return (
    <form onSubmit={submit} className="card" aria-label={existing === null ? 'New policy' : 'New version'}>
      <h2>{existing === null ? 'New policy' : `New version of ${existing.policy_id}`}</h2>
      <label>
        Name
        <input value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Cedar source (one policy with @id and @principle annotations)
        <textarea required rows={10} spellCheck={false} value={source} onChange={(e) => setSource(e.target.value)} />
      </label>
      {shown.length > 0 ? (
        <>
          <p className="notice notice-error" role="alert">
            The server refused the policy: {shown.length} problem{shown.length === 1 ? '' : 's'}, marked below.
          </p>
          <SourceView source={source} diagnostics={shown} />
        </>
      ) : error === null ? null : (
        <ErrorNotice error={error} />
      )}
      <button type="submit" disabled={save.busy}>
        Submit as draft
      </button>
    </form>
  );
}

function LifecycleActions({ version, onChanged }: { version: PolicyVersion; onChanged(): void }) {
  const user = useUser();
  const act = useAction(async (action: 'verify' | 'approve' | 'activate' | 'revoke') =>
    api.post<PolicyVersion>(`/api/v1/policies/${encodeURIComponent(version.policy_id)}/${action}`),
  );
  if (!hasAnyRole(user, EDITORS)) return null;
  const run = async (action: 'verify' | 'approve' | 'activate' | 'revoke') => {
    if ((await act.run(action)) !== undefined) onChanged();
  };
  const blocker = approvalBlocker(version, user);
  const changeSet = changeSetOf(version);
  // A version verified with its change set is approved and activated with it: alone it may not hold.
  if (changeSet !== null && ['verified', 'approved'].includes(version.status))
    return (
      <section className="card" aria-label="Lifecycle">
        <h2>Lifecycle</h2>
        <p>
          Verified as part of <Link href={`/change-sets/${changeSet}`}>change set {changeSet}</Link>: it is approved and
          activated with the rest of its set.
        </p>
      </section>
    );
  return (
    <section className="card" aria-label="Lifecycle">
      <h2>Lifecycle</h2>
      <div className="actions">
        {version.status === 'draft' ? (
          <button type="button" disabled={act.busy} onClick={() => void run('verify')}>
            Verify
          </button>
        ) : null}
        {version.status === 'verified' ? (
          <ApproveButton busy={act.busy} blocker={blocker} onApprove={() => void run('approve')} />
        ) : null}
        {version.status === 'approved' ? (
          <button type="button" disabled={act.busy} onClick={() => void run('activate')}>
            Activate (build, sign and enforce a new bundle)
          </button>
        ) : null}
        {['draft', 'verified', 'approved', 'active'].includes(version.status) ? (
          <button type="button" className="secondary" disabled={act.busy} onClick={() => void run('revoke')}>
            Revoke
          </button>
        ) : null}
      </div>
      {act.error === null ? null : <ErrorNotice error={act.error} />}
    </section>
  );
}

/** The change set a version was verified with, when it was verified as part of one. */
function changeSetOf(version: PolicyVersion): number | null {
  const report = version.verification_report as { change_set?: unknown } | null;
  return typeof report?.change_set === 'number' ? report.change_set : null;
}

function VerificationReport({ report }: { report: unknown }) {
  if (report === null || report === undefined) return <p className="muted">Not verified yet.</p>;
  return (
    <details>
      <summary>Verification report</summary>
      <pre className="source">{JSON.stringify(report, null, 2)}</pre>
    </details>
  );
}

export function PolicyPage({ id }: { id: string }) {
  const user = useUser();
  const { params } = useLocation();
  const latest = useApi<PolicyWithVersions>(`/api/v1/policies/${encodeURIComponent(id)}`);
  const chosen = params.get('version');
  const version = useApi<PolicyVersion>(
    chosen === null ? null : `/api/v1/policies/${encodeURIComponent(id)}/versions/${encodeURIComponent(chosen)}`,
  );
  const shownVersion = chosen === null ? latest : version;
  const previousNumber =
    shownVersion.status === 'ready' && shownVersion.data.version > 1 ? shownVersion.data.version - 1 : null;
  const previous = useApi<PolicyVersion>(
    previousNumber === null ? null : `/api/v1/policies/${encodeURIComponent(id)}/versions/${previousNumber}`,
  );
  const [editing, setEditing] = useState(false);
  return (
    <>
      <p>
        <Link href="/policies">← Policies</Link>
      </p>
      <Show loaded={latest}>
        {(policy) => (
          <>
            <h1>{policy.policy_id}</h1>
            <nav className="tabs" aria-label="Versions">
              {policy.versions.map((item) => (
                <Link
                  key={item.version}
                  href={`/policies/${encodeURIComponent(id)}${item.version === policy.version ? '' : query({ version: item.version })}`}
                  aria-current={
                    (chosen === null ? policy.version : Number(chosen)) === item.version ? 'page' : undefined
                  }
                >
                  v{item.version} ({item.status})
                </Link>
              ))}
            </nav>
          </>
        )}
      </Show>
      <Show loaded={shownVersion}>
        {(shown) => (
          <>
            <p>
              Version <strong>v{shown.version}</strong> · status{' '}
              <strong data-testid="policy-status">{shown.status}</strong> · principles{' '}
              {shown.principle_keys.join(', ') || '—'} · content{' '}
              <code className="mono">{shortHash(shown.content_hash)}</code>
              <br />
              <span className="muted">
                written{' '}
                {shown.author === user.id
                  ? 'by you'
                  : shown.author === null
                    ? 'by the platform'
                    : `by ${shown.author.slice(0, 8)}`}{' '}
                <Time iso={shown.created_at} />
                {shown.approved_by === null
                  ? ''
                  : ` · approved by ${shown.approved_by === user.id ? 'you' : shown.approved_by.slice(0, 8)}`}
              </span>
            </p>
            <LifecycleActions
              version={shown}
              onChanged={() => {
                latest.reload();
                version.reload();
              }}
            />
            <SourceView source={shown.source} />
            {previous.status === 'ready' ? (
              <details>
                <summary>Changes from v{previous.data.version}</summary>
                <DiffView
                  lines={lineDiff(previous.data.source, shown.source)}
                  label={`Changes from v${previous.data.version}`}
                />
              </details>
            ) : null}
            <VerificationReport report={shown.verification_report} />
            {hasAnyRole(user, EDITORS) ? (
              editing ? (
                <PolicyEditor
                  existing={shown}
                  onSaved={(saved) => {
                    setEditing(false);
                    latest.reload();
                    navigate(`/policies/${encodeURIComponent(saved.policy_id)}`);
                  }}
                />
              ) : (
                <button type="button" className="secondary" onClick={() => setEditing(true)}>
                  Write a new version
                </button>
              )
            ) : null}
          </>
        )}
      </Show>
    </>
  );
}

export function PoliciesPage() {
  const user = useUser();
  const { params } = useLocation();
  const status = params.get('status') ?? 'all';
  const list = useApi<Page<PolicyVersion>>(
    `/api/v1/policies${query({ status: status === 'all' ? undefined : status, limit: 200 })}`,
  );
  const [creating, setCreating] = useState(false);
  return (
    <>
      <h1>Policies</h1>
      <nav className="tabs" aria-label="Policy status">
        {STATUSES.map((item) => (
          <Link key={item} href={`/policies?status=${item}`} aria-current={item === status ? 'page' : undefined}>
            {item}
          </Link>
        ))}
      </nav>
      <Show loaded={list}>
        {(page) => (
          <table>
            <thead>
              <tr>
                <th>Policy</th>
                <th>Latest</th>
                <th>Status</th>
                <th>Principles</th>
                <th>Written</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((policy) => (
                <tr key={policy.policy_id}>
                  <td>
                    <Link href={`/policies/${encodeURIComponent(policy.policy_id)}`}>{policy.policy_id}</Link>
                  </td>
                  <td>v{policy.version}</td>
                  <td>{policy.status}</td>
                  <td>{policy.principle_keys.join(', ')}</td>
                  <td>
                    <Time iso={policy.created_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Show>
      {hasAnyRole(user, EDITORS) ? (
        creating ? (
          <PolicyEditor
            existing={null}
            onSaved={(saved) => navigate(`/policies/${encodeURIComponent(saved.policy_id)}`)}
          />
        ) : (
          <p>
            <button type="button" onClick={() => setCreating(true)}>
              New policy
            </button>
          </p>
        )
      ) : null}
    </>
  );
}
