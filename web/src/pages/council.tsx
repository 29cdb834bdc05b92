import { useState, type FormEvent } from 'react';
import { api, query } from '../api/client.js';
import type {
  Amendment,
  AmendmentChange,
  AmendmentComment,
  AmendmentStatus,
  AmendmentWithVotes,
  ConstitutionVersion,
  Page,
  PrincipleContent,
  VoteChoice,
} from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { Link, navigate, useLocation } from '../router.js';
import { hasAnyRole, useUser } from '../session.js';
import { constraintSentence } from '../text/constraint-sentences.js';
import { ErrorNotice, Show, Time } from '../ui/status.js';

const STATUSES: readonly (AmendmentStatus | 'all')[] = [
  'open',
  'draft',
  'enacted',
  'rejected',
  'expired',
  'withdrawn',
  'all',
];

function quorumNeeded(amendment: Amendment): number | null {
  if (amendment.outcome !== null) return amendment.outcome.quorumNeeded;
  const rules = amendment.rules;
  if (rules === null || amendment.council_size === null) return null;
  // The same rule as the tally in src/domain/constitution/tally.ts: a fraction of the council, rounded up.
  return rules.quorum.kind === 'votes' ? rules.quorum.min : Math.ceil(rules.quorum.fraction * amendment.council_size);
}

/** The counts against what it takes: quorum, and the share of for-votes among for and against. */
export function Tally({ amendment }: { amendment: Amendment }) {
  const counts = amendment.outcome?.counts ?? { for: 0, against: 0, abstain: 0 };
  const needed = quorumNeeded(amendment);
  const threshold = amendment.rules?.approval_threshold;
  const cast = counts.for + counts.against + counts.abstain;
  return (
    <dl className="tally" aria-label="Tally">
      <dt>For</dt>
      <dd data-tally="for">{counts.for}</dd>
      <dt>Against</dt>
      <dd data-tally="against">{counts.against}</dd>
      <dt>Abstain</dt>
      <dd data-tally="abstain">{counts.abstain}</dd>
      <dt>Quorum</dt>
      <dd>
        {cast} of {needed ?? '?'} needed{amendment.outcome?.quorumMet === true ? ' ✓' : ''}
        {amendment.council_size === null ? '' : ` (council of ${amendment.council_size})`}
      </dd>
      <dt>Threshold</dt>
      <dd>{threshold === undefined ? '—' : `${threshold.numerator}/${threshold.denominator} of for + against`}</dd>
    </dl>
  );
}

function FieldDiff({ field, from, to }: { field: string; from: unknown; to: unknown }) {
  const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  return (
    <li>
      <strong>{field}</strong>: <del>{show(from)}</del> → <ins>{show(to)}</ins>
    </li>
  );
}

/** Each change against the principle as it stands now, so a member votes on the difference, not on a blob. */
export function ChangeDiff({ change, current }: { change: AmendmentChange; current: readonly PrincipleContent[] }) {
  if (change.op === 'add_principle')
    return (
      <div className="diff-added">
        + add <strong>{change.principle.key}</strong>: {change.principle.normative_statement}
        <ol>
          {change.principle.constraints.map((constraint, i) => (
            <li key={i}>{constraintSentence(constraint)}</li>
          ))}
        </ol>
      </div>
    );
  if (change.op === 'repeal_principle')
    return (
      <div className="diff-removed">
        − repeal <strong>{change.key}</strong>
        {current.find((p) => p.key === change.key)?.normative_statement ?? ''}
      </div>
    );
  if (change.op === 'change_meta_rules')
    return (
      <div className="diff-modified">
        ~ meta-rules → <code>{JSON.stringify(change.meta_rules)}</code>
      </div>
    );
  const before = current.find((principle) => principle.key === change.key);
  return (
    <div className="diff-modified">
      ~ modify <strong>{change.key}</strong>
      <ul>
        {Object.entries(change.changes).map(([field, to]) => {
          const from = before?.[field as keyof PrincipleContent];
          if (field === 'constraints' && Array.isArray(to) && Array.isArray(from))
            return (
              <FieldDiff
                key={field}
                field={field}
                from={from.map(constraintSentence).join(' ')}
                to={(to as PrincipleContent['constraints']).map(constraintSentence).join(' ')}
              />
            );
          return <FieldDiff key={field} field={field} from={from} to={to} />;
        })}
      </ul>
    </div>
  );
}

function ProposeForm({ principles }: { principles: PrincipleContent[] }) {
  const [title, setTitle] = useState('');
  const [rationale, setRationale] = useState('');
  const [key, setKey] = useState(principles[0]?.key ?? '');
  const selected = principles.find((principle) => principle.key === key);
  const [statement, setStatement] = useState('');
  const [priority, setPriority] = useState('');
  const [json, setJson] = useState('');
  const propose = useAction(async (body: unknown) =>
    api.post<Amendment>('/api/v1/constitutional-council/amendments', body),
  );
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    let changes: AmendmentChange[];
    if (json.trim() !== '') {
      try {
        changes = JSON.parse(json) as AmendmentChange[];
      } catch (error) {
        setProblem(`Changes are not JSON: ${String(error)}`);
        return;
      }
    } else {
      const edits: Partial<PrincipleContent> = {};
      if (statement.trim() !== '') edits.normative_statement = statement.trim();
      if (priority.trim() !== '') edits.priority = Number(priority);
      if (Object.keys(edits).length === 0) {
        setProblem('Change the statement or the priority, or give the changes as JSON.');
        return;
      }
      changes = [{ op: 'modify_principle', key, changes: edits }];
    }
    const created = await propose.run({ title, rationale, changes });
    if (created !== undefined) navigate(`/council/${created.id}`);
  };

  return (
    <form onSubmit={submit} className="card" aria-label="Propose an amendment">
      <h2>Propose an amendment</h2>
      <label>
        Title
        <input required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label>
        Rationale
        <textarea required rows={3} value={rationale} onChange={(e) => setRationale(e.target.value)} />
      </label>
      <fieldset>
        <legend>Modify a principle</legend>
        <label>
          Principle
          <select value={key} onChange={(e) => setKey(e.target.value)}>
            {principles.map((principle) => (
              <option key={principle.key} value={principle.key}>
                {principle.key}
              </option>
            ))}
          </select>
        </label>
        <label>
          New normative statement
          <textarea
            rows={2}
            placeholder={selected?.normative_statement}
            value={statement}
            onChange={(e) => setStatement(e.target.value)}
          />
        </label>
        <label>
          New priority
          <input
            type="number"
            min={0}
            max={100}
            placeholder={String(selected?.priority ?? '')}
            value={priority}
            onChange={(e) => setPriority(e.target.value)}
          />
        </label>
      </fieldset>
      <label>
        Or the changes as JSON (add_principle, modify_principle, repeal_principle, change_meta_rules)
        <textarea rows={4} value={json} onChange={(e) => setJson(e.target.value)} />
      </label>
      {problem === null ? null : (
        <p className="notice notice-error" role="alert">
          {problem}
        </p>
      )}
      {propose.error === null ? null : <ErrorNotice error={propose.error} />}
      <button type="submit" disabled={propose.busy}>
        Propose (as a draft)
      </button>
    </form>
  );
}

export function CouncilPage() {
  const user = useUser();
  const { params } = useLocation();
  const status = params.get('status') ?? 'open';
  const list = useApi<Page<Amendment>>(
    `/api/v1/constitutional-council/amendments${query({ status: status === 'all' ? undefined : status, limit: 100 })}`,
  );
  const constitution = useApi<ConstitutionVersion>('/api/v1/constitution');
  const canPropose =
    constitution.status === 'ready' && hasAnyRole(user, constitution.data.meta_rules.amendments.proposer_roles);
  return (
    <>
      <h1>Council and amendments</h1>
      <nav className="tabs" aria-label="Amendment status">
        {STATUSES.map((item) => (
          <Link key={item} href={`/council?status=${item}`} aria-current={item === status ? 'page' : undefined}>
            {item}
          </Link>
        ))}
      </nav>
      <Show loaded={list}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="muted">No {status === 'all' ? '' : status} amendments.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Title</th>
                  <th>Status</th>
                  <th>Principles</th>
                  <th>Deadline</th>
                  <th>Votes (for/against/abstain)</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((amendment) => (
                  <tr key={amendment.id}>
                    <td>
                      <Link href={`/council/${amendment.id}`}>{amendment.title}</Link>
                    </td>
                    <td>{amendment.status}</td>
                    <td>{amendment.principle_keys.join(', ')}</td>
                    <td>
                      <Time iso={amendment.deadline} />
                    </td>
                    <td>
                      {amendment.outcome === null
                        ? '—'
                        : `${amendment.outcome.counts.for}/${amendment.outcome.counts.against}/${amendment.outcome.counts.abstain}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
      {canPropose && constitution.status === 'ready' ? <ProposeForm principles={constitution.data.principles} /> : null}
    </>
  );
}

function VoteForm({
  amendment,
  mine,
  onVoted,
}: {
  amendment: AmendmentWithVotes;
  mine: VoteChoice | null;
  onVoted(): void;
}) {
  const [reason, setReason] = useState('');
  const vote = useAction(async (choice: VoteChoice) =>
    api.post<Amendment>(`/api/v1/constitutional-council/amendments/${amendment.id}/vote`, {
      vote: choice,
      ...(reason.trim() === '' ? {} : { reason: reason.trim() }),
    }),
  );
  const cast = async (choice: VoteChoice) => {
    if ((await vote.run(choice)) !== undefined) onVoted();
  };
  return (
    <section className="card" aria-label="Your vote">
      <h2>Your vote</h2>
      <p>{mine === null ? 'You have not voted.' : `You voted ${mine}; you may change it until the vote closes.`}</p>
      <label>
        Reason (optional)
        <textarea rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
      <div className="actions">
        {(['for', 'against', 'abstain'] as const).map((choice) => (
          <button key={choice} type="button" disabled={vote.busy} onClick={() => void cast(choice)}>
            Vote {choice}
          </button>
        ))}
      </div>
      {vote.error === null ? null : <ErrorNotice error={vote.error} />}
    </section>
  );
}

function Comments({ amendmentId, canComment }: { amendmentId: string; canComment: boolean }) {
  const comments = useApi<{ items: AmendmentComment[] }>(
    `/api/v1/constitutional-council/amendments/${amendmentId}/comments`,
  );
  const [body, setBody] = useState('');
  const post = useAction(async (text: string) =>
    api.post(`/api/v1/constitutional-council/amendments/${amendmentId}/comments`, { body: text }),
  );
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if ((await post.run(body)) !== undefined) {
      setBody('');
      comments.reload();
    }
  };
  const user = useUser();
  return (
    <section aria-label="Discussion">
      <h2>Discussion</h2>
      <Show loaded={comments}>
        {({ items }) =>
          items.length === 0 ? (
            <p className="muted">No comments yet.</p>
          ) : (
            <ul className="comments">
              {items.map((comment) => (
                <li key={comment.id}>
                  <span className="muted">
                    {comment.author_id === user.id ? 'you' : comment.author_id.slice(0, 8)} ·{' '}
                    <Time iso={comment.created_at} />
                  </span>
                  <p>{comment.body}</p>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
      {canComment ? (
        <form onSubmit={submit} aria-label="Comment">
          <label>
            Comment
            <textarea required rows={2} value={body} onChange={(e) => setBody(e.target.value)} />
          </label>
          <button type="submit" disabled={post.busy}>
            Post comment
          </button>
          {post.error === null ? null : <ErrorNotice error={post.error} />}
        </form>
      ) : null}
    </section>
  );
}

export function AmendmentPage({ id }: { id: string }) {
  const user = useUser();
  const amendment = useApi<AmendmentWithVotes>(`/api/v1/constitutional-council/amendments/${encodeURIComponent(id)}`);
  // Changes read against the version they were opened on: once enacted, the current version already holds them.
  const base = amendment.status === 'ready' ? amendment.data.base_version : null;
  const constitution = useApi<ConstitutionVersion>(
    amendment.status !== 'ready'
      ? null
      : base === null
        ? '/api/v1/constitution'
        : `/api/v1/constitution/versions/${base}`,
  );
  const open = useAction(async () => api.post<Amendment>(`/api/v1/constitutional-council/amendments/${id}/open`, {}));
  const withdraw = useAction(async () =>
    api.post<Amendment>(`/api/v1/constitutional-council/amendments/${id}/withdraw`),
  );
  const participant = hasAnyRole(user, ['admin', 'policy_manager', 'council_member']);
  return (
    <Show loaded={amendment}>
      {(item) => {
        const voter = item.rules !== null && hasAnyRole(user, item.rules.voter_roles);
        const mine = item.votes.find((vote) => vote.voter_id === user.id)?.vote ?? null;
        const steward = item.proposed_by === user.id || hasAnyRole(user, ['admin']);
        const after = () => {
          amendment.reload();
          constitution.reload();
        };
        return (
          <>
            <p>
              <Link href="/council">← Council</Link>
            </p>
            <h1>{item.title}</h1>
            <p>
              Status <strong data-testid="amendment-status">{item.status}</strong>
              {item.deadline === null ? null : (
                <>
                  {' '}
                  · deadline <Time iso={item.deadline} />
                </>
              )}
              {item.enacted_version === null ? null : (
                <>
                  {' '}
                  · enacted as{' '}
                  <Link href={`/constitution${query({ from: item.enacted_version - 1, to: item.enacted_version })}`}>
                    v{item.enacted_version}
                  </Link>
                </>
              )}
            </p>
            {item.outcome?.enactment_error === undefined ? null : (
              <p className="notice notice-error" role="alert">
                Approved but not enacted: {item.outcome.enactment_error}
              </p>
            )}
            <p>{item.rationale}</p>
            <section className="card" aria-label="Changes">
              <Show loaded={constitution}>
                {(base) => (
                  <>
                    <h2>Changes against v{base.version}</h2>
                    {item.changes.map((change, index) => (
                      <ChangeDiff key={index} change={change} current={base.principles} />
                    ))}
                  </>
                )}
              </Show>
            </section>
            <section className="card">
              <h2>Tally</h2>
              <Tally amendment={item} />
            </section>
            {item.status === 'open' && voter ? <VoteForm amendment={item} mine={mine} onVoted={after} /> : null}
            {item.status === 'draft' && steward ? (
              <div className="actions">
                <button type="button" disabled={open.busy} onClick={() => void open.run().then(after)}>
                  Open for voting
                </button>
                {open.error === null ? null : <ErrorNotice error={open.error} />}
              </div>
            ) : null}
            {(item.status === 'draft' || item.status === 'open') && steward ? (
              <div className="actions">
                <button
                  type="button"
                  className="secondary"
                  disabled={withdraw.busy}
                  onClick={() => void withdraw.run().then(after)}
                >
                  Withdraw
                </button>
                {withdraw.error === null ? null : <ErrorNotice error={withdraw.error} />}
              </div>
            ) : null}
            <section aria-label="Votes">
              <h2>Votes</h2>
              {item.votes.length === 0 ? (
                <p className="muted">No votes yet.</p>
              ) : (
                <ul>
                  {item.votes.map((vote) => (
                    <li key={vote.voter_id}>
                      {vote.voter_id === user.id ? 'you' : vote.voter_id.slice(0, 8)}: <strong>{vote.vote}</strong>
                      {vote.reason === '' ? '' : ` — ${vote.reason}`}
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <Comments amendmentId={item.id} canComment={participant} />
          </>
        );
      }}
    </Show>
  );
}
