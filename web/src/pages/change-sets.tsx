import { api, query } from '../api/client.js';
import type { ChangeSet, Page, User } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { Link, useLocation } from '../router.js';
import { hasAnyRole, useUser } from '../session.js';
import { GovernanceStateLine } from '../ui/governance-state.js';
import { ApproveButton } from '../ui/approve-button.js';
import { ErrorNotice, Show, Time } from '../ui/status.js';

const EDITORS = ['admin', 'policy_manager'] as const;

/**
 * Why this person may not approve this set, in words; null when they may (the service also refuses the author of a
 * version in the set, which it names if asked).
 */
export function changeSetApprovalBlocker(set: ChangeSet, user: User): string | null {
  if (set.status !== 'verified') return null;
  if (set.author === user.id)
    return 'You proposed this change set: the two-person rule needs someone else to approve it.';
  if (set.first_approved_by === user.id)
    return 'You gave the first of two approvals this change set needs: a second person must give the other.';
  return null;
}

/** Change sets: what goes into force together, newest first. */
export function ChangeSetsPage() {
  const { params } = useLocation();
  const status = params.get('status');
  const cursor = params.get('cursor');
  const sets = useApi<Page<ChangeSet>>(`/api/v1/change-sets${query({ status, cursor, limit: 50 })}`);
  return (
    <>
      <h1>Change sets</h1>
      <p className="muted">
        Policy versions put into force and policies taken out together: verified as one bundle against the constitution
        in force, approved once by a second person, activated as one signed bundle.
      </p>
      <GovernanceStateLine />
      <Show loaded={sets}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="muted">No change sets yet.</p>
          ) : (
            <table aria-label="Change sets">
              <thead>
                <tr>
                  <th>Set</th>
                  <th>Status</th>
                  <th>Origin</th>
                  <th>Constitution</th>
                  <th>Changes</th>
                  <th>Proposed</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((set) => (
                  <tr key={set.id}>
                    <td>
                      <Link href={`/change-sets/${set.id}`}>{set.id}</Link>
                    </td>
                    <td>{set.status}</td>
                    <td>{set.origin}</td>
                    <td>{set.constitution_version === null ? '—' : `v${set.constitution_version}`}</td>
                    <td>
                      {set.put.length} in, {set.remove.length} out
                      <span className="muted"> {set.description}</span>
                    </td>
                    <td>
                      <Time iso={set.created_at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </>
  );
}

function ChangeSetActions({ set, onChanged }: { set: ChangeSet; onChanged(): void }) {
  const user = useUser();
  const act = useAction(async (action: 'approve' | 'activate') =>
    api.post<ChangeSet>(`/api/v1/change-sets/${set.id}/${action}${action === 'activate' ? '?wait=10' : ''}`),
  );
  if (!hasAnyRole(user, EDITORS)) return null;
  const run = async (action: 'approve' | 'activate') => {
    if ((await act.run(action)) !== undefined) onChanged();
  };
  const blocker = changeSetApprovalBlocker(set, user);
  return (
    <section className="card" aria-label="Change set actions">
      <h2>Decide</h2>
      <div className="actions">
        {set.status === 'verified' ? (
          <ApproveButton busy={act.busy} blocker={blocker} onApprove={() => void run('approve')} />
        ) : null}
        {set.status === 'approved' ? (
          <button type="button" disabled={act.busy} onClick={() => void run('activate')}>
            Activate (build, sign and enforce one bundle)
          </button>
        ) : null}
      </div>
      {act.error === null ? null : <ErrorNotice error={act.error} />}
    </section>
  );
}

export function ChangeSetPage({ id }: { id: string }) {
  const set = useApi<ChangeSet>(`/api/v1/change-sets/${encodeURIComponent(id)}`);
  return (
    <Show loaded={set}>
      {(current) => (
        <>
          <h1>
            Change set {current.id} <span className="muted">({current.status})</span>
          </h1>
          <p>{current.description}</p>
          {current.reason === null ? null : <p className="verdict verdict-deny">{current.reason}</p>}
          <section className="card">
            <h2>What it changes</h2>
            <ul aria-label="Policies put into force">
              {current.put.map((item) => (
                <li key={item.policy_id}>
                  in: <Link href={`/policies/${encodeURIComponent(item.policy_id)}`}>{item.policy_id}</Link> v
                  {item.version}
                </li>
              ))}
              {current.remove.map((policyId) => (
                <li key={policyId}>
                  out: <Link href={`/policies/${encodeURIComponent(policyId)}`}>{policyId}</Link>
                </li>
              ))}
            </ul>
            <p className="muted">
              Proposed <Time iso={current.created_at} /> ({current.origin})
              {current.activated_at === null ? null : (
                <>
                  ; active as bundle v{current.bundle_version} since <Time iso={current.activated_at} />
                </>
              )}
              {current.superseded_by === null ? null : (
                <>
                  ; superseded by <Link href={`/change-sets/${current.superseded_by}`}>{current.superseded_by}</Link>
                </>
              )}
            </p>
          </section>
          {current.verification_report === null ? null : (
            <section className="card" aria-label="Verification">
              <h2>
                Verification against constitution v{current.verification_report.constitution.version}:{' '}
                <span className={current.verification_report.verdict === 'holds' ? '' : 'verdict verdict-deny'}>
                  {current.verification_report.verdict}
                </span>
              </h2>
              {current.verification_report.problems.length === 0 ? (
                <p className="muted">
                  Every constraint holds; no policy put in force errors, is vacuous or is shadowed.
                </p>
              ) : (
                <ul aria-label="Problems">
                  {current.verification_report.problems.map((problem) => (
                    <li key={problem}>{problem}</li>
                  ))}
                </ul>
              )}
              {current.verification_report.warnings.map((warning) => (
                <p key={warning} className="muted">
                  warning: {warning}
                </p>
              ))}
            </section>
          )}
          <ChangeSetActions set={current} onChanged={set.reload} />
        </>
      )}
    </Show>
  );
}
