import { useState, type FormEvent } from 'react';
import { api, query } from '../api/client.js';
import type { Appeal, Page, PolicyReview } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { Link, useLocation } from '../router.js';
import { hasAnyRole, useUser } from '../session.js';
import { ErrorNotice, shortHash, Show, Time } from '../ui/status.js';

/** Who resolves appeals (the platform's APPEAL_REVIEWERS: independent of those who write policies). */
const REVIEWERS = ['auditor', 'council_member'] as const;
const REVIEW_CLOSERS = ['admin', 'policy_manager'] as const;

function ResolveForm({ appeal, onResolved }: { appeal: Appeal; onResolved(): void }) {
  const [rationale, setRationale] = useState('');
  const resolve = useAction(async (outcome: 'upheld' | 'overturned') =>
    api.post(`/api/v1/appeals/${appeal.id}/resolve`, { outcome, rationale }),
  );
  const submit = async (outcome: 'upheld' | 'overturned', event?: FormEvent) => {
    event?.preventDefault();
    if ((await resolve.run(outcome)) !== undefined) onResolved();
  };
  return (
    <form className="card" aria-label="Resolve appeal" onSubmit={(event) => void submit('upheld', event)}>
      <label>
        Rationale
        <textarea required rows={2} value={rationale} onChange={(e) => setRationale(e.target.value)} />
      </label>
      <div className="actions">
        <button type="submit" disabled={resolve.busy || rationale.trim() === ''}>
          Uphold the decision
        </button>
        <button
          type="button"
          disabled={resolve.busy || rationale.trim() === ''}
          onClick={() => void submit('overturned')}
        >
          Overturn (opens a policy review)
        </button>
      </div>
      {resolve.error === null ? null : <ErrorNotice error={resolve.error} />}
    </form>
  );
}

export function AppealsPage() {
  const user = useUser();
  const { params } = useLocation();
  const status = params.get('status') ?? 'open';
  const appeals = useApi<Page<Appeal>>(`/api/v1/appeals${query({ status: status === 'all' ? undefined : status })}`);
  const reviewsVisible = hasAnyRole(user, ['admin', 'policy_manager', 'auditor', 'council_member']);
  const reviews = useApi<Page<PolicyReview>>(reviewsVisible ? '/api/v1/policy-reviews' : null);
  const [closing, setClosing] = useState<Record<string, string>>({});
  const close = useAction(async (id: string) =>
    api.post(`/api/v1/policy-reviews/${id}/close`, { note: closing[id] ?? '' }),
  );
  return (
    <>
      <h1>Appeals and policy reviews</h1>
      <nav className="tabs" aria-label="Appeal status">
        {['open', 'upheld', 'overturned', 'all'].map((item) => (
          <Link key={item} href={`/appeals?status=${item}`} aria-current={item === status ? 'page' : undefined}>
            {item}
          </Link>
        ))}
      </nav>
      <Show loaded={appeals}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="muted">No {status === 'all' ? '' : status} appeals.</p>
          ) : (
            <table aria-label="Appeals">
              <thead>
                <tr>
                  <th>Filed</th>
                  <th>Decision</th>
                  <th>Reason</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((appeal) => (
                  <tr key={appeal.id}>
                    <td>
                      <Link href={`/appeals/${appeal.id}`}>
                        <Time iso={appeal.created_at} />
                      </Link>
                    </td>
                    <td>
                      <Link href={`/decisions/${appeal.decision_id}`}>{appeal.decision_id.slice(0, 8)}</Link>
                    </td>
                    <td>{appeal.reason}</td>
                    <td>{appeal.status}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
      {reviewsVisible ? (
        <section aria-label="Policy reviews">
          <h2>Policy reviews</h2>
          <Show loaded={reviews}>
            {(page) =>
              page.items.length === 0 ? (
                <p className="muted">No policy reviews.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th>Opened</th>
                      <th>Policies</th>
                      <th>Bundle</th>
                      <th>Status</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((review) => (
                      <tr key={review.id} data-review={review.id}>
                        <td>
                          <Time iso={review.created_at} />
                        </td>
                        <td>
                          {review.policy_ids.map((id) => (
                            <Link key={id} href={`/policies/${encodeURIComponent(id)}`}>
                              {id}{' '}
                            </Link>
                          ))}
                        </td>
                        <td className="mono">{review.bundle_hash === null ? '—' : shortHash(review.bundle_hash)}</td>
                        <td>{review.status === 'closed' ? `closed: ${review.note ?? ''}` : 'open'}</td>
                        <td>
                          {review.status === 'open' && hasAnyRole(user, REVIEW_CLOSERS) ? (
                            <span className="actions">
                              <input
                                aria-label="Conclusion"
                                value={closing[review.id] ?? ''}
                                onChange={(e) => setClosing({ ...closing, [review.id]: e.target.value })}
                              />
                              <button
                                type="button"
                                disabled={close.busy || (closing[review.id] ?? '').trim() === ''}
                                onClick={() => void close.run(review.id).then(() => reviews.reload())}
                              >
                                Close review
                              </button>
                            </span>
                          ) : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            }
          </Show>
          {close.error === null ? null : <ErrorNotice error={close.error} />}
        </section>
      ) : null}
    </>
  );
}

export function AppealPage({ id }: { id: string }) {
  const user = useUser();
  const appeal = useApi<Appeal>(`/api/v1/appeals/${encodeURIComponent(id)}`);
  return (
    <>
      <p>
        <Link href="/appeals">← Appeals</Link>
      </p>
      <Show loaded={appeal}>
        {(item) => (
          <>
            <h1>
              Appeal <span data-testid="appeal-status">{item.status}</span>
            </h1>
            <p>
              Against <Link href={`/decisions/${item.decision_id}`}>decision {item.decision_id}</Link>, filed{' '}
              <Time iso={item.created_at} />.
            </p>
            <p>{item.reason}</p>
            {item.rationale === null ? null : (
              <p>
                Resolved <Time iso={item.resolved_at} />: {item.rationale}
              </p>
            )}
            {item.status === 'open' && hasAnyRole(user, REVIEWERS) ? (
              <ResolveForm appeal={item} onResolved={appeal.reload} />
            ) : null}
          </>
        )}
      </Show>
    </>
  );
}
