import { useEffect, useMemo, useState } from 'react';
import { query } from '../api/client.js';
import { DecisionChart, filledSeries } from '../ui/decision-chart.js';
import type {
  AuditEntry as Marked,
  ConstitutionVersion,
  DecisionStatistics as Statistics,
  LoggedBundle as BundleInForce,
  Page,
  TreeHead,
  User,
} from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { Link } from '../router.js';
import { fetchAllHealth, type ServiceHealth } from '../services.js';
import { hasAnyRole, useUser } from '../session.js';
import { shortHash, Show, Time } from '../ui/status.js';
import { GovernanceStateLine } from '../ui/governance-state.js';

function HealthGrid() {
  const [health, setHealth] = useState<ServiceHealth[] | null>(null);
  useEffect(() => {
    let current = true;
    const load = () => fetchAllHealth().then((answer) => current && setHealth(answer));
    void load();
    const timer = setInterval(load, 15_000);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, []);
  if (health === null) return <p className="muted">Checking services…</p>;
  return (
    <ul className="health-grid" aria-label="Service health">
      {health.map(({ service, health: answer, error }) => (
        <li key={service} className={`health health-${answer?.status ?? 'unreachable'}`} data-service={service}>
          <strong>{service}</strong> {answer?.status ?? 'unreachable'}
          {error === null ? null : <span className="muted"> — {error}</span>}
        </li>
      ))}
    </ul>
  );
}

/** The last hour of decisions from the log itself (no Prometheus needed), with what changed the rules marked. */
function DecisionActivity() {
  const [window] = useState(() => {
    const to = new Date();
    return { from: new Date(to.getTime() - 3_600_000).toISOString(), to: to.toISOString() };
  });
  const stats = useApi<Statistics>(`/api/v1/enforcement/decisions/statistics${query({ ...window, bucket: 'minute' })}`);
  const activations = useApi<Page<Marked>>(
    `/api/v1/audit/logs${query({ action: 'bundle.activated', from: window.from })}`,
  );
  const enactments = useApi<Page<Marked>>(
    `/api/v1/audit/logs${query({ action: 'constitution.enacted', from: window.from })}`,
  );
  const series = useMemo(() => {
    if (stats.status !== 'ready') return null;
    const marks = [activations, enactments].flatMap((page) =>
      page.status === 'ready'
        ? page.data.items.map((entry) => ({
            time: Date.parse(entry.timestamp) / 1000,
            label: entry.action === 'bundle.activated' ? entry.resource.replace('bundle:', 'bundle v') : 'enacted',
          }))
        : [],
    );
    return filledSeries(stats.data, marks);
  }, [stats, activations, enactments]);
  return (
    <section className="card wide-card" aria-label="Decisions in the last hour">
      <h2>Decisions per minute, last hour</h2>
      <Show loaded={stats}>
        {(data) => (
          <div className="activity">
            {series === null ? null : <DecisionChart series={series} label="Decisions per minute" />}
            <div>
              <h3>Top denying principles</h3>
              {data.top_denying_principles.length === 0 ? (
                <p className="muted">No denials in this hour.</p>
              ) : (
                <ol>
                  {data.top_denying_principles.map((row) => (
                    <li key={row.principle}>
                      <Link href={`/decisions${query({ principle: row.principle, decision: 'deny' })}`}>
                        {row.principle}
                      </Link>{' '}
                      <span className="muted">({row.deny})</span>
                    </li>
                  ))}
                </ol>
              )}
            </div>
          </div>
        )}
      </Show>
    </section>
  );
}

/** The verifier's verdict on the bundle in force against the constitution in force, as fv /health says it. */
function BundleVerdict() {
  const [fv, setFv] = useState<ServiceHealth | null>(null);
  useEffect(() => {
    let current = true;
    void fetchAllHealth().then((all) => current && setFv(all.find((entry) => entry.service === 'fv') ?? null));
    return () => {
      current = false;
    };
  }, []);
  const check = fv?.health?.checks['bundle_conformance'];
  if (check === undefined) return <p className="muted">The verifier has not judged the bundle in force yet.</p>;
  return (
    <p className={check.status === 'up' ? '' : 'verdict verdict-deny'} data-testid="bundle-verdict">
      Verifier: {check.status === 'up' ? `holds (${check.backend})` : check.error}
    </p>
  );
}

function NeedsYou({ user }: { user: User }) {
  const council = hasAnyRole(user, ['council_member']);
  const approver = hasAnyRole(user, ['admin', 'policy_manager']);
  const overseer = hasAnyRole(user, ['admin', 'auditor']);
  const votes = useApi<Page<{ id: string; title: string; deadline: string | null }>>(
    council ? '/api/v1/constitutional-council/amendments?status=open&limit=50' : null,
  );
  const approvals = useApi<Page<unknown>>(approver ? '/api/v1/approvals?status=pending&limit=50' : null);
  const appeals = useApi<Page<unknown>>(overseer ? '/api/v1/appeals?status=open&limit=50' : null);
  const count = (page: { status: string; data?: Page<unknown> }) =>
    page.status === 'ready' && page.data !== undefined
      ? `${page.data.items.length}${page.data.next_cursor === null ? '' : '+'}`
      : '…';
  return (
    <section className="card">
      <h2>Needs you</h2>
      <ul>
        {council ? (
          <li>
            <Link href="/council">{count(votes)} open amendment(s) to vote on</Link>
          </li>
        ) : null}
        {approver ? (
          <li>
            <Link href="/approvals">{count(approvals)} tool call(s) awaiting approval</Link>
          </li>
        ) : null}
        {overseer ? (
          <li>
            <Link href="/appeals">{count(appeals)} open appeal(s)</Link>
          </li>
        ) : null}
        {!council && !approver && !overseer ? <li className="muted">Nothing waits on your roles.</li> : null}
      </ul>
    </section>
  );
}

export function OverviewPage() {
  const user = useUser();
  const constitution = useApi<ConstitutionVersion>('/api/v1/constitution');
  const bundle = useApi<BundleInForce>('/api/v1/enforcement/bundle');
  const head = useApi<TreeHead>('/api/v1/audit/tree-head');
  const verification = useApi<{ last_run_at: string | null; ok: boolean | null; problems: number | null }>(
    '/api/v1/audit/verification',
  );
  return (
    <>
      <h1>Overview</h1>
      <HealthGrid />
      {hasAnyRole(user, ['admin', 'policy_manager', 'auditor']) ? <DecisionActivity /> : null}
      <div className="cards">
        <section className="card">
          <h2>Constitution</h2>
          <Show loaded={constitution}>
            {(version) => (
              <p>
                <Link href="/constitution">v{version.version}</Link> ·{' '}
                <code className="mono">{shortHash(version.hash)}</code>
                <br />
                enacted <Time iso={version.enacted_at} />
              </p>
            )}
          </Show>
        </section>
        <section className="card wide-card" aria-label="Enacted and enforced">
          <h2>Enacted and enforced</h2>
          <GovernanceStateLine />
          <BundleVerdict />
        </section>
        <section className="card">
          <h2>Bundle in force</h2>
          <Show loaded={bundle}>
            {(active) => (
              <p>
                <Link href="/bundles">v{active.bundle.version}</Link> · {active.bundle.policies.length} policies ·{' '}
                <code className="mono">{shortHash(active.hash)}</code>
              </p>
            )}
          </Show>
        </section>
        <section className="card">
          <h2>Audit log</h2>
          <Show loaded={head}>
            {(tree) => (
              <p>
                <Link href="/audit">{tree.tree_size.toLocaleString()} entries</Link>
                <br />
                head signed <Time iso={tree.timestamp} />
                <br />
                {verification.status !== 'ready' || verification.data.last_run_at === null ? (
                  <span className="muted">not verified yet by this instance</span>
                ) : (
                  <span className={verification.data.ok ? '' : 'verdict verdict-deny'} data-testid="audit-verification">
                    verified <Time iso={verification.data.last_run_at} />:{' '}
                    {verification.data.ok ? 'no problems' : `${verification.data.problems} problem(s)`}
                  </span>
                )}
              </p>
            )}
          </Show>
        </section>
        <NeedsYou user={user} />
      </div>
    </>
  );
}
