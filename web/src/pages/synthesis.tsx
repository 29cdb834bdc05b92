import { query } from '../api/client.js';
import type { Page, SynthesisRun as Run, SynthesisRunWithAttempts } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { Link, useLocation } from '../router.js';
import { Show, Time } from '../ui/status.js';

type Attempt = SynthesisRunWithAttempts['attempts'][number];

/** Synthesis runs: which principles became which draft policies, by which engine, and why a run stopped. */
export function SynthesisPage() {
  const { params } = useLocation();
  const cursor = params.get('cursor');
  const runs = useApi<Page<Run>>(`/api/v1/synthesize/runs${query({ cursor, limit: 50 })}`);
  return (
    <>
      <h1>Synthesis</h1>
      <p className="muted">
        Policies compiled or written from principles. Every draft still goes through verification and the two-person
        rule on the <Link href="/policies?status=draft">policies</Link> page.
      </p>
      <Show loaded={runs}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="muted">No synthesis runs yet.</p>
          ) : (
            <table aria-label="Synthesis runs">
              <thead>
                <tr>
                  <th>Started</th>
                  <th>Engine</th>
                  <th>Status</th>
                  <th>Principles</th>
                  <th>Drafts</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((run) => (
                  <tr key={run.id}>
                    <td>
                      <Link href={`/synthesis/${run.id}`}>
                        <Time iso={run.created_at} />
                      </Link>
                    </td>
                    <td>{run.engine}</td>
                    <td>{run.status}</td>
                    <td>{run.principle_keys.join(', ')}</td>
                    <td>
                      {run.policies.map((policy) => (
                        <Link
                          key={policy.policy_id}
                          href={`/policies/${encodeURIComponent(policy.policy_id)}?version=${policy.version}`}
                        >
                          {policy.policy_id} v{policy.version}{' '}
                        </Link>
                      ))}
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

export function SynthesisRunPage({ id }: { id: string }) {
  const run = useApi<Run & { attempts: Attempt[] }>(`/api/v1/synthesize/runs/${encodeURIComponent(id)}`);
  return (
    <>
      <p>
        <Link href="/synthesis">← Synthesis</Link>
      </p>
      <Show loaded={run}>
        {(item) => (
          <>
            <h1>
              {item.engine} run: {item.status}
            </h1>
            <p className="muted">
              constitution v{item.constitution_version ?? '—'}
              {item.amendment_id === null ? '' : ' · after an amendment'} · <Time iso={item.created_at} />
            </p>
            {item.reason === null ? null : <p className="notice">{item.reason}</p>}
            {item.change_set_id === null ? null : (
              <p>
                Proposed as <Link href={`/change-sets/${item.change_set_id}`}>change set {item.change_set_id}</Link>
              </p>
            )}
            {item.revocations_proposed.length === 0 ? null : (
              <p>Taken out of force with it: {item.revocations_proposed.join(', ')}</p>
            )}
            <details>
              <summary>Attempts ({item.attempts.length})</summary>
              <pre className="source">{JSON.stringify(item.attempts, null, 2)}</pre>
            </details>
            {item.report === null ? null : (
              <details>
                <summary>Report</summary>
                <pre className="source">{JSON.stringify(item.report, null, 2)}</pre>
              </details>
            )}
          </>
        )}
      </Show>
    </>
  );
}
