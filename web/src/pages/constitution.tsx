import { GovernanceStateLine } from '../ui/governance-state.js';
import { useState } from 'react';
import { query } from '../api/client.js';
import type {
  ConstitutionDiff,
  ConstitutionVersion,
  Page,
  PolicyVersion as ActivePolicy,
  PrincipleContent,
  VersionSummary,
} from '../api/types.js';
import { hasAnyRole, useUser } from '../session.js';
import { useApi } from '../api/use-api.js';
import { Link, useLocation } from '../router.js';
import { constraintSentence } from '../text/constraint-sentences.js';
import { CheckBadge, shortHash, Show, Time, type CheckState } from '../ui/status.js';
import { constitutionHash } from '../verify/constitution-hash.js';
import { useChecks } from '../verify/use-checks.js';

/** Recomputes the version's hash here, from the principles as they arrived, and compares it with the one claimed. */
async function hashCheck(version: ConstitutionVersion): Promise<CheckState> {
  try {
    const computed = await constitutionHash(version);
    return computed === version.hash
      ? { state: 'ok', detail: `SHA-256 recomputed in this browser: ${computed}` }
      : { state: 'failed', detail: `the principles hash to ${shortHash(computed)}, not ${shortHash(version.hash)}` };
  } catch (error) {
    return { state: 'failed', detail: `could not hash: ${String(error)}` };
  }
}

export function useConstitutionHashCheck(version: ConstitutionVersion | null): CheckState {
  return useChecks(version, hashCheck) ?? { state: 'pending' };
}

export interface PrincipleUse {
  /** Active policies that claim the principle (@principle). */
  policies: readonly string[];
  /** Denials in the last 24 hours, when the caller may read decisions. */
  denials: number | null;
}

export function PrincipleCard({ principle, use }: { principle: PrincipleContent; use?: PrincipleUse }) {
  return (
    <article className="card principle" id={`principle-${principle.key}`} data-principle={principle.key}>
      <header>
        <h3>{principle.title}</h3>
        <span className="muted">
          {principle.key} · {principle.category} · priority {principle.priority}
        </span>
      </header>
      <p className="normative">{principle.normative_statement}</p>
      {principle.description === '' ? null : <p>{principle.description}</p>}
      <p className="muted">
        Applies to {principle.scope.actions.join(', ') || 'every action'}
        {principle.scope.resource_types.length > 0 ? ` on ${principle.scope.resource_types.join(', ')}` : ''}
      </p>
      <ol className="constraints">
        {principle.constraints.map((constraint, index) => (
          <li key={index}>{constraintSentence(constraint)}</li>
        ))}
      </ol>
      {principle.rationale === '' ? null : <p className="muted">Why: {principle.rationale}</p>}
      {use === undefined ? null : (
        <p className="muted">
          Implemented by{' '}
          {use.policies.length === 0
            ? 'no active policy'
            : use.policies.map((id, index) => (
                <span key={id}>
                  {index > 0 ? ', ' : ''}
                  <Link href={`/policies/${encodeURIComponent(id)}`}>{id}</Link>
                </span>
              ))}
          {use.denials === null ? null : (
            <>
              {' · '}
              <Link href={`/decisions${query({ principle: principle.key, decision: 'deny' })}`}>
                {use.denials} denial{use.denials === 1 ? '' : 's'} in the last 24 h
              </Link>
            </>
          )}
        </p>
      )}
    </article>
  );
}

function DiffView({ diff }: { diff: ConstitutionDiff }) {
  const nothing =
    diff.principles.added.length + diff.principles.removed.length + diff.principles.modified.length === 0 &&
    Object.keys(diff.meta_rules).length === 0;
  return (
    <section className="diff" aria-label={`Changes from version ${diff.from} to ${diff.to}`}>
      <h3>
        v{diff.from} → v{diff.to}
      </h3>
      {nothing ? <p className="muted">No content changed.</p> : null}
      {diff.principles.added.map((principle) => (
        <div key={principle.key} className="diff-added">
          + added <strong>{principle.key}</strong>: {principle.normative_statement}
        </div>
      ))}
      {diff.principles.removed.map((principle) => (
        <div key={principle.key} className="diff-removed">
          − removed <strong>{principle.key}</strong>
        </div>
      ))}
      {diff.principles.modified.map((change) => (
        <div key={change.key} className="diff-modified">
          ~ <strong>{change.key}</strong>
          <ul>
            {Object.entries(change.changes).map(([field, { from, to }]) => (
              <li key={field}>
                {field}: <del>{JSON.stringify(from)}</del> → <ins>{JSON.stringify(to)}</ins>
              </li>
            ))}
          </ul>
        </div>
      ))}
      {Object.entries(diff.meta_rules).map(([field, { from, to }]) => (
        <div key={field} className="diff-modified">
          ~ meta-rule {field}: <del>{JSON.stringify(from)}</del> → <ins>{JSON.stringify(to)}</ins>
        </div>
      ))}
    </section>
  );
}

function History({ current }: { current: number }) {
  const versions = useApi<{ items: VersionSummary[] }>('/api/v1/constitution/versions');
  const { params } = useLocation();
  const from = Number(params.get('from') ?? current - 1);
  const to = Number(params.get('to') ?? current);
  const diff = useApi<ConstitutionDiff>(
    from >= 1 && to > from ? `/api/v1/constitution/diff${query({ from, to })}` : null,
  );
  return (
    <section>
      <h2>Version history</h2>
      <Show loaded={versions}>
        {({ items }) => (
          <table>
            <thead>
              <tr>
                <th>Version</th>
                <th>Hash</th>
                <th>Enacted</th>
                <th>By amendment</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.version}>
                  <td>v{item.version}</td>
                  <td className="mono">{shortHash(item.hash)}</td>
                  <td>
                    <Time iso={item.enacted_at} />
                  </td>
                  <td>
                    {item.enacted_by_amendment === null ? (
                      <span className="muted">starter</span>
                    ) : (
                      <Link href={`/council/${item.enacted_by_amendment}`}>amendment</Link>
                    )}
                  </td>
                  <td>
                    {item.version > 1 ? (
                      <Link href={`/constitution${query({ from: item.version - 1, to: item.version })}`}>
                        diff with v{item.version - 1}
                      </Link>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Show>
      {from >= 1 && to > from ? <Show loaded={diff}>{(data) => <DiffView diff={data} />}</Show> : null}
    </section>
  );
}

/** The statistics list the ten principles with most denials: absent from a full list means "fewer", not zero. */
function denialsOf(top: readonly { principle: string; deny: number }[], key: string): number | null {
  const row = top.find((item) => item.principle === key);
  if (row !== undefined) return row.deny;
  return top.length < 10 ? 0 : null;
}

/** Which active policies implement each principle, and how often it denied lately (decision readers only). */
function usePrincipleUse(): ((key: string) => PrincipleUse) | null {
  const user = useUser();
  const readsDecisions = hasAnyRole(user, ['admin', 'policy_manager', 'auditor']);
  const policies = useApi<Page<ActivePolicy>>('/api/v1/policies?status=active&limit=200');
  const [window] = useState(() => {
    const to = new Date();
    return { from: new Date(to.getTime() - 86_400_000).toISOString(), to: to.toISOString(), bucket: 'hour' };
  });
  const stats = useApi<{ top_denying_principles: { principle: string; deny: number }[] }>(
    readsDecisions ? `/api/v1/enforcement/decisions/statistics${query(window)}` : null,
  );
  if (policies.status !== 'ready') return null;
  return (key) => ({
    policies: policies.data.items
      .filter((policy) => policy.principle_keys.includes(key))
      .map((policy) => policy.policy_id),
    denials: stats.status === 'ready' ? denialsOf(stats.data.top_denying_principles, key) : null,
  });
}

export function ConstitutionPage() {
  const constitution = useApi<ConstitutionVersion>('/api/v1/constitution');
  const principleUse = usePrincipleUse();
  const check = useConstitutionHashCheck(constitution.status === 'ready' ? constitution.data : null);
  return (
    <>
      <h1>Constitution</h1>
      <GovernanceStateLine />
      <Show loaded={constitution}>
        {(version) => (
          <>
            <p>
              Version <strong data-testid="constitution-version">v{version.version}</strong>, enacted{' '}
              <Time iso={version.enacted_at} />. Hash <code className="mono">{version.hash}</code>{' '}
              <CheckBadge label="constitution hash" check={check} />
            </p>
            <section>
              <h2>Principles ({version.principles.length})</h2>
              {[...version.principles]
                .sort((a, b) => b.priority - a.priority || a.key.localeCompare(b.key))
                .map((principle) => (
                  <PrincipleCard
                    key={principle.key}
                    principle={principle}
                    {...(principleUse === null ? {} : { use: principleUse(principle.key) })}
                  />
                ))}
            </section>
            <History current={version.version} />
          </>
        )}
      </Show>
    </>
  );
}
