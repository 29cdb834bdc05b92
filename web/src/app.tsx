import { useEffect, useState, type ReactNode } from 'react';
import type { Role } from './api/types.js';
import { AboutPage } from './pages/about.js';
import { ConstitutionPage } from './pages/constitution.js';
import { NotForThisAccount } from './pages/not-for-account.js';
import { OverviewPage } from './pages/overview.js';
import { SignInPage } from './pages/sign-in.js';
import { Link, useLocation } from './router.js';
import { compatibleVersion, EXPECTED_API_VERSION } from './services.js';
import { api } from './api/client.js';
import type { Health } from './api/types.js';
import { hasAnyRole, PERSON_ROLES, useSession, useUser } from './session.js';

interface PageDefinition {
  path: string;
  title: string;
  /** Who sees it in the menu and may open it; the API enforces the same and more. */
  roles: readonly Role[];
  render(): ReactNode;
}

const PAGES: readonly PageDefinition[] = [
  { path: '/', title: 'Overview', roles: PERSON_ROLES, render: () => <OverviewPage /> },
  { path: '/constitution', title: 'Constitution', roles: PERSON_ROLES, render: () => <ConstitutionPage /> },
  { path: '/about', title: 'About', roles: PERSON_ROLES, render: () => <AboutPage /> },
];

function pageFor(path: string): PageDefinition | null {
  return PAGES.find((page) => page.path === path) ?? null;
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
  const visible = PAGES.filter((page) => hasAnyRole(user, page.roles));
  const page = pageFor(path);
  let content: ReactNode;
  if (page === null) content = <p>No page at {path}.</p>;
  else if (!hasAnyRole(user, page.roles)) content = <p role="alert">Your roles do not include this page.</p>;
  else content = page.render();
  useEffect(() => {
    document.title = `${page?.title ?? 'Not found'} · ACGS-PGP`;
  }, [page]);
  return (
    <>
      <SystemBanners />
      <header className="top">
        <span className="brand">ACGS-PGP</span>
        <nav aria-label="Pages">
          {visible.map((item) => (
            <Link key={item.path} href={item.path} aria-current={item.path === path ? 'page' : undefined}>
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
      <main className="page">{content}</main>
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
