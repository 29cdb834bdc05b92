import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import type { Role } from './api/types.js';
import { NotForThisAccount } from './pages/not-for-account.js';
import { OverviewPage } from './pages/overview.js';
import { SignInPage } from './pages/sign-in.js';
import { Link, matchPath, useLocation } from './router.js';
import { compatibleVersion, EXPECTED_API_VERSION } from './services.js';
import { api } from './api/client.js';
import type { Health } from './api/types.js';
import { hasAnyRole, PERSON_ROLES, useSession, useUser } from './session.js';

interface PageDefinition {
  pattern: string;
  title: string;
  /** Who may open it (and sees it in the menu); the API enforces the same and more. */
  roles: readonly Role[];
  /** Listed in the menu; detail pages are reached by their links. */
  menu: boolean;
  render(params: Record<string, string>): ReactNode;
}

// Every page but the overview loads with its first visit, so signing in costs only the shell.
const AboutPage = lazy(() => import('./pages/about.js').then((module) => ({ default: module.AboutPage })));
const ConstitutionPage = lazy(() =>
  import('./pages/constitution.js').then((module) => ({ default: module.ConstitutionPage })),
);
const AmendmentPage = lazy(() => import('./pages/council.js').then((module) => ({ default: module.AmendmentPage })));
const CouncilPage = lazy(() => import('./pages/council.js').then((module) => ({ default: module.CouncilPage })));
const BundlesPage = lazy(() => import('./pages/bundles.js').then((module) => ({ default: module.BundlesPage })));
const PoliciesPage = lazy(() => import('./pages/policies.js').then((module) => ({ default: module.PoliciesPage })));
const PolicyPage = lazy(() => import('./pages/policies.js').then((module) => ({ default: module.PolicyPage })));
const TestBenchPage = lazy(() => import('./pages/test-bench.js').then((module) => ({ default: module.TestBenchPage })));
const DecisionPage = lazy(() => import('./pages/decisions.js').then((module) => ({ default: module.DecisionPage })));
const ExchangesPage = lazy(() => import('./pages/exchanges.js').then((module) => ({ default: module.ExchangesPage })));
const DecisionsPage = lazy(() => import('./pages/decisions.js').then((module) => ({ default: module.DecisionsPage })));
const AuditPage = lazy(() => import('./pages/audit.js').then((module) => ({ default: module.AuditPage })));
const AppealPage = lazy(() => import('./pages/appeals.js').then((module) => ({ default: module.AppealPage })));
const AppealsPage = lazy(() => import('./pages/appeals.js').then((module) => ({ default: module.AppealsPage })));

const VerificationPage = lazy(() =>
  import('./pages/verification.js').then((module) => ({ default: module.VerificationPage })),
);
const VerificationJobPage = lazy(() =>
  import('./pages/verification.js').then((module) => ({ default: module.VerificationJobPage })),
);
const ChangeSetsPage = lazy(() =>
  import('./pages/change-sets.js').then((module) => ({ default: module.ChangeSetsPage })),
);
const ChangeSetPage = lazy(() =>
  import('./pages/change-sets.js').then((module) => ({ default: module.ChangeSetPage })),
);
const SynthesisPage = lazy(() => import('./pages/synthesis.js').then((module) => ({ default: module.SynthesisPage })));
const SynthesisRunPage = lazy(() =>
  import('./pages/synthesis.js').then((module) => ({ default: module.SynthesisRunPage })),
);
const ToolsPage = lazy(() => import('./pages/tools.js').then((module) => ({ default: module.ToolsPage })));
const UsersPage = lazy(() => import('./pages/users.js').then((module) => ({ default: module.UsersPage })));

/** The decision log's readers (the API's own rule); council members see decisions through the test bench. */
const DECISION_READERS: readonly Role[] = ['admin', 'policy_manager', 'auditor'];

const PAGES: readonly PageDefinition[] = [
  { pattern: '/', title: 'Overview', roles: PERSON_ROLES, menu: true, render: () => <OverviewPage /> },
  {
    pattern: '/constitution',
    title: 'Constitution',
    roles: PERSON_ROLES,
    menu: true,
    render: () => <ConstitutionPage />,
  },
  { pattern: '/council', title: 'Council', roles: PERSON_ROLES, menu: true, render: () => <CouncilPage /> },
  {
    pattern: '/council/:id',
    title: 'Amendment',
    roles: PERSON_ROLES,
    menu: false,
    render: ({ id }) => <AmendmentPage key={id} id={id!} />,
  },
  { pattern: '/policies', title: 'Policies', roles: PERSON_ROLES, menu: true, render: () => <PoliciesPage /> },
  {
    pattern: '/policies/:id',
    title: 'Policy',
    roles: PERSON_ROLES,
    menu: false,
    render: ({ id }) => <PolicyPage key={id} id={id!} />,
  },
  { pattern: '/change-sets', title: 'Change sets', roles: PERSON_ROLES, menu: true, render: () => <ChangeSetsPage /> },
  {
    pattern: '/change-sets/:id',
    title: 'Change set',
    roles: PERSON_ROLES,
    menu: false,
    render: ({ id }) => <ChangeSetPage key={id} id={id!} />,
  },
  { pattern: '/bundles', title: 'Bundles', roles: PERSON_ROLES, menu: true, render: () => <BundlesPage /> },
  { pattern: '/bench', title: 'Test bench', roles: PERSON_ROLES, menu: true, render: () => <TestBenchPage /> },
  { pattern: '/decisions', title: 'Decisions', roles: DECISION_READERS, menu: true, render: () => <DecisionsPage /> },
  {
    pattern: '/decisions/:id',
    title: 'Decision',
    roles: DECISION_READERS,
    menu: false,
    render: ({ id }) => <DecisionPage key={id} id={id!} />,
  },
  {
    pattern: '/exchanges',
    title: 'Model exchanges',
    roles: DECISION_READERS,
    menu: true,
    render: () => <ExchangesPage />,
  },
  { pattern: '/audit', title: 'Audit log', roles: PERSON_ROLES, menu: true, render: () => <AuditPage /> },
  { pattern: '/appeals', title: 'Appeals', roles: PERSON_ROLES, menu: true, render: () => <AppealsPage /> },
  {
    pattern: '/appeals/:id',
    title: 'Appeal',
    roles: PERSON_ROLES,
    menu: false,
    render: ({ id }) => <AppealPage key={id} id={id!} />,
  },
  {
    pattern: '/verification',
    title: 'Verification',
    roles: PERSON_ROLES,
    menu: true,
    render: () => <VerificationPage />,
  },
  {
    pattern: '/verification/:id',
    title: 'Verification job',
    roles: PERSON_ROLES,
    menu: false,
    render: ({ id }) => <VerificationJobPage key={id} id={id!} />,
  },
  { pattern: '/synthesis', title: 'Synthesis', roles: PERSON_ROLES, menu: true, render: () => <SynthesisPage /> },
  {
    pattern: '/synthesis/:id',
    title: 'Synthesis run',
    roles: PERSON_ROLES,
    menu: false,
    render: ({ id }) => <SynthesisRunPage key={id} id={id!} />,
  },
  { pattern: '/tools', title: 'Tools', roles: DECISION_READERS, menu: true, render: () => <ToolsPage /> },
  { pattern: '/users', title: 'Users', roles: ['admin'], menu: true, render: () => <UsersPage /> },
  { pattern: '/about', title: 'About', roles: PERSON_ROLES, menu: true, render: () => <AboutPage /> },
];

function pageFor(path: string): { page: PageDefinition; params: Record<string, string> } | null {
  for (const page of PAGES) {
    const params = matchPath(page.pattern, path);
    if (params !== null) return { page, params };
  }
  return null;
}

/** Polls auth's health for maintenance mode and the API version, the two things every page must show at once. */
function SystemBanners() {
  const [health, setHealth] = useState<Health | null>(null);
  useEffect(() => {
    let current = true;
    const load = () =>
      api.get<Health>('/auth/health').then(
        (answer) => current && setHealth(answer),
        () => undefined,
      );
    void load();
    const timer = setInterval(load, 5_000);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, []);
  if (health === null) return null;
  return (
    <>
      {health.status === 'maintenance' ? (
        <div className="banner banner-maintenance" role="alert">
          Maintenance mode: the platform is read-only. Votes, approvals and edits are paused until it ends.
        </div>
      ) : null}
      {compatibleVersion(health.version) ? null : (
        <div className="banner banner-error" role="alert">
          This console was built for API {EXPECTED_API_VERSION}, but the server runs {health.version}. Some pages may
          not work: reload after upgrading the console.
        </div>
      )}
    </>
  );
}

function SignedInLayout() {
  const user = useUser();
  const { signOut } = useSession();
  const { path } = useLocation();
  const visible = PAGES.filter((page) => page.menu && hasAnyRole(user, page.roles));
  const found = pageFor(path);
  let content: ReactNode;
  if (found === null) content = <p>No page at {path}.</p>;
  else if (!hasAnyRole(user, found.page.roles)) content = <p role="alert">Your roles do not include this page.</p>;
  else content = found.page.render(found.params);
  const title = found?.page.title ?? 'Not found';
  useEffect(() => {
    document.title = `${title} · ACGS-PGP`;
  }, [title]);
  return (
    <>
      <SystemBanners />
      <header className="top">
        <span className="brand">ACGS-PGP</span>
        <nav aria-label="Pages">
          {visible.map((item) => (
            <Link
              key={item.pattern}
              href={item.pattern}
              aria-current={found?.page === item || path.startsWith(`${item.pattern}/`) ? 'page' : undefined}
            >
              {item.title}
            </Link>
          ))}
        </nav>
        <span className="who">
          {user.email} <span className="muted">({user.roles.join(', ')})</span>{' '}
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </span>
      </header>
      <main className="page">
        <Suspense fallback={<p className="muted">Loading…</p>}>{content}</Suspense>
      </main>
    </>
  );
}

export function App() {
  const { state } = useSession();
  if (state.status === 'loading') return <p className="muted">Loading…</p>;
  if (state.status === 'signed-out') return <SignInPage notice={state.reason} />;
  if (!hasAnyRole(state.user, PERSON_ROLES)) return <NotForThisAccount roles={state.user.roles} />;
  return <SignedInLayout />;
}
