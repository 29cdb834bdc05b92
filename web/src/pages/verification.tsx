import { useEffect } from 'react';
import { api, query } from '../api/client.js';
import type { Page, VerificationJob as Job } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { Link, navigate, useLocation } from '../router.js';
import { hasAnyRole, useUser } from '../session.js';
import { ErrorNotice, shortHash, Show, Time } from '../ui/status.js';

const KINDS = ['all', 'bundle', 'policy', 'impact', 'property', 'fairness', 'compare'] as const;
const ASKERS = ['admin', 'policy_manager', 'auditor'] as const;

/** A verdict as people read it: "inconclusive" is not a pass, and is shown as the failure it is treated as. */
function Verdict({ job }: { job: Job }) {
  if (job.status === 'failed') return <span className="verdict verdict-deny">failed</span>;
  if (job.verdict === null) return <span className="muted">{job.status}</span>;
  return <span className={`verdict verdict-${job.verdict === 'holds' ? 'allow' : 'deny'}`}>{job.verdict}</span>;
}

export function VerificationPage() {
  const user = useUser();
  const { params } = useLocation();
  const kind = params.get('kind') ?? 'all';
  const cursor = params.get('cursor');
  const jobs = useApi<Page<Job>>(
    `/api/v1/verify/jobs${query({ kind: kind === 'all' ? undefined : kind, cursor, limit: 50 })}`,
  );
  // The constitution in force, as fv /health and `acgs verify bundle` judge it: one verdict everywhere.
  const start = useAction(async () => api.post<Job>('/api/v1/verify/bundle', { constitution: 'in_force' }));
  const verifyBundle = async () => {
    const job = await start.run();
    if (job !== undefined) navigate(`/verification/${job.id}`);
  };
  return (
    <>
      <h1>Verification</h1>
      {hasAnyRole(user, ASKERS) ? (
        <div className="actions">
          <button type="button" disabled={start.busy} onClick={() => void verifyBundle()}>
            Prove the bundle in force against the constitution in force
          </button>
          {start.error === null ? null : <ErrorNotice error={start.error} />}
        </div>
      ) : null}
      <nav className="tabs" aria-label="Job kind">
        {KINDS.map((item) => (
          <Link key={item} href={`/verification?kind=${item}`} aria-current={item === kind ? 'page' : undefined}>
            {item}
          </Link>
        ))}
      </nav>
      <Show loaded={jobs}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="muted">No verification jobs.</p>
          ) : (
            <table aria-label="Verification jobs">
              <thead>
                <tr>
                  <th>Asked</th>
                  <th>Kind</th>
                  <th>Verdict</th>
                  <th>Bundle</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((job) => (
                  <tr key={job.id}>
                    <td>
                      <Link href={`/verification/${job.id}`}>
                        <Time iso={job.created_at} />
                      </Link>
                    </td>
                    <td>{job.kind}</td>
                    <td>
                      <Verdict job={job} />
                    </td>
                    <td className="mono">{job.bundle_hash === null ? '—' : shortHash(job.bundle_hash)}</td>
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

export function VerificationJobPage({ id }: { id: string }) {
  const job = useApi<Job>(`/api/v1/verify/jobs/${encodeURIComponent(id)}`);
  const pending = job.status === 'ready' && (job.data.status === 'queued' || job.data.status === 'running');
  const { reload } = job;
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(reload, 1000);
    return () => clearInterval(timer);
  }, [pending, reload]);
  return (
    <>
      <p>
        <Link href="/verification">← Verification</Link>
      </p>
      <Show loaded={job}>
        {(item) => (
          <>
            <h1>
              {item.kind} verification: <Verdict job={item} />
            </h1>
            <p className="muted">
              asked <Time iso={item.created_at} />
              {item.finished_at === null ? '' : ' · finished '}
              {item.finished_at === null ? null : <Time iso={item.finished_at} />}
              {item.progress === null ? '' : ` · ${item.progress.stage}, ${item.progress.solver_calls} solver calls`}
            </p>
            {item.verdict === 'inconclusive' ? (
              <p className="notice notice-error" role="alert">
                The solver could not decide: this counts as not proven, and the policy lifecycle treats it as a failure.
              </p>
            ) : null}
            {item.error === null ? null : (
              <p className="notice notice-error" role="alert">
                {item.error} ({item.error_code})
              </p>
            )}
            <h2>Request</h2>
            <pre className="source">{JSON.stringify(item.request, null, 2)}</pre>
            <h2>Report</h2>
            {item.report === null ? (
              <p className="muted">No report yet.</p>
            ) : (
              <>
                <p className="muted">
                  report hash <code className="mono">{item.report_hash}</code> (recorded in the audit log)
                </p>
                <details>
                  <summary>The full report (what was asked of the solver and what it answered)</summary>
                  <pre className="source">{JSON.stringify(item.report, null, 2)}</pre>
                </details>
              </>
            )}
          </>
        )}
      </Show>
    </>
  );
}
