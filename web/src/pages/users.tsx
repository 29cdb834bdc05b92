import { useState, type FormEvent } from 'react';
import { api, query } from '../api/client.js';
import type { ApiKey, Page, Role, User } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { Link, useLocation } from '../router.js';
import { useUser } from '../session.js';
import { ErrorNotice, Show, Time } from '../ui/status.js';

const ALL_ROLES: readonly Role[] = ['admin', 'policy_manager', 'auditor', 'council_member', 'agent', 'service'];
const MACHINE_ROLES: readonly Role[] = ['agent', 'service'];

function RoleEditor({ user, onSaved }: { user: User; onSaved(): void }) {
  const me = useUser();
  const [roles, setRoles] = useState<Role[]>(user.roles);
  const save = useAction(async () => api.put(`/auth/users/${user.id}/roles`, { roles }));
  const toggle = (role: Role) => setRoles(roles.includes(role) ? roles.filter((r) => r !== role) : [...roles, role]);
  const changed = [...roles].sort().join() !== [...user.roles].sort().join();
  return (
    <div className="actions" role="group" aria-label={`Roles of ${user.email}`}>
      {ALL_ROLES.map((role) => (
        <label key={role} className="inline">
          <input type="checkbox" checked={roles.includes(role)} onChange={() => toggle(role)} /> {role}
        </label>
      ))}
      <button
        type="button"
        disabled={!changed || save.busy}
        onClick={() => void save.run().then((done) => done !== undefined && onSaved())}
      >
        Save roles
      </button>
      {user.id === me.id && changed ? <span className="muted">Changing your own roles ends your session.</span> : null}
      {save.error === null ? null : <ErrorNotice error={save.error} />}
    </div>
  );
}

function ApiKeys({ user }: { user: User }) {
  const keys = useApi<{ items: ApiKey[] }>(`/auth/api-keys${query({ user_id: user.id })}`);
  const [name, setName] = useState('');
  const [days, setDays] = useState('90');
  const [issued, setIssued] = useState<string | null>(null);
  const issue = useAction(async () =>
    api.post<ApiKey & { key: string }>('/auth/api-keys', {
      user_id: user.id,
      name,
      ...(days.trim() === '' ? {} : { expires_in_days: Number(days) }),
    }),
  );
  const revoke = useAction(async (id: string) => api.delete(`/auth/api-keys/${id}`));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const created = await issue.run();
    if (created !== undefined) {
      setIssued(created.key);
      setName('');
      keys.reload();
    }
  };
  return (
    <section className="card" aria-label={`API keys of ${user.email}`}>
      <h3>API keys</h3>
      {issued === null ? null : (
        <div className="notice" role="alert" data-testid="issued-key">
          <strong>Copy this key now: it is shown once and never again.</strong>
          <pre className="source">{issued}</pre>
          <button type="button" className="secondary" onClick={() => void navigator.clipboard?.writeText(issued)}>
            Copy
          </button>{' '}
          <button type="button" className="secondary" onClick={() => setIssued(null)}>
            I have stored it
          </button>
        </div>
      )}
      <Show loaded={keys}>
        {({ items }) =>
          items.length === 0 ? (
            <p className="muted">No keys.</p>
          ) : (
            <ul>
              {items.map((key) => (
                <li key={key.id}>
                  <code>{key.prefix}…</code> {key.name} · created <Time iso={key.created_at} />
                  {key.expires_at === null ? '' : ` · expires ${new Date(key.expires_at).toLocaleDateString()}`}
                  {key.revoked_at === null ? (
                    <>
                      {' '}
                      <button
                        type="button"
                        className="linkish"
                        onClick={() => void revoke.run(key.id).then(() => keys.reload())}
                      >
                        revoke
                      </button>
                    </>
                  ) : (
                    ' · revoked'
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </Show>
      <form onSubmit={submit} className="actions" aria-label="Issue an API key">
        <label className="inline">
          Name
          <input required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="inline">
          Expires in days
          <input type="number" min={1} value={days} onChange={(e) => setDays(e.target.value)} />
        </label>
        <button type="submit" disabled={issue.busy}>
          Issue key
        </button>
      </form>
      {issue.error === null ? null : <ErrorNotice error={issue.error} />}
      {revoke.error === null ? null : <ErrorNotice error={revoke.error} />}
    </section>
  );
}

function NewUserForm({ onCreated }: { onCreated(): void }) {
  const [email, setEmail] = useState('');
  const [fullName, setFullName] = useState('');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<Role[]>([]);
  const create = useAction(async () => {
    const user = await api.post<User>('/auth/register', { email, full_name: fullName, password });
    if (roles.length > 0) await api.put(`/auth/users/${user.id}/roles`, { roles });
    return user;
  });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if ((await create.run()) !== undefined) {
      setEmail('');
      setFullName('');
      setPassword('');
      setRoles([]);
      onCreated();
    }
  };
  return (
    <form onSubmit={submit} className="card grid-form" aria-label="New user">
      <h2 className="wide">New user</h2>
      <label>
        Email
        <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label>
        Full name
        <input required value={fullName} onChange={(e) => setFullName(e.target.value)} />
      </label>
      <label>
        Initial password (12+ characters)
        <input
          type="password"
          required
          minLength={12}
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <div className="actions wide" role="group" aria-label="Roles">
        {ALL_ROLES.map((role) => (
          <label key={role} className="inline">
            <input
              type="checkbox"
              checked={roles.includes(role)}
              onChange={() => setRoles(roles.includes(role) ? roles.filter((r) => r !== role) : [...roles, role])}
            />{' '}
            {role}
          </label>
        ))}
      </div>
      <div className="actions wide">
        <button type="submit" disabled={create.busy}>
          Create user
        </button>
        {create.error === null ? null : <ErrorNotice error={create.error} />}
      </div>
    </form>
  );
}

export function UsersPage() {
  const { params } = useLocation();
  const cursor = params.get('cursor');
  const users = useApi<Page<User>>(`/auth/users${query({ cursor, limit: 100 })}`);
  const [open, setOpen] = useState<string | null>(null);
  const standing = useAction(async (user: User, action: 'deactivate' | 'reactivate' | 'unlock') =>
    api.post(`/auth/users/${user.id}/${action}`),
  );
  return (
    <>
      <h1>Users and API keys</h1>
      <Show loaded={users}>
        {(page) => (
          <>
            <table aria-label="Users">
              <thead>
                <tr>
                  <th>Email</th>
                  <th>Roles</th>
                  <th>Standing</th>
                  <th>Last sign-in</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {page.items.map((user) => (
                  <tr key={user.id} data-user={user.email}>
                    <td>
                      {user.email}
                      <br />
                      <span className="muted">{user.full_name}</span>
                      {open === user.id ? (
                        <>
                          <RoleEditor user={user} onSaved={users.reload} />
                          {user.roles.some((role) => MACHINE_ROLES.includes(role)) ? <ApiKeys user={user} /> : null}
                        </>
                      ) : null}
                    </td>
                    <td>{user.roles.join(', ') || <span className="muted">none</span>}</td>
                    <td>
                      {!user.is_active
                        ? 'deactivated'
                        : user.locked_until !== null && Date.parse(user.locked_until) > Date.now()
                          ? 'locked'
                          : 'active'}
                    </td>
                    <td>
                      <Time iso={user.last_login_at} />
                    </td>
                    <td className="actions">
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => setOpen(open === user.id ? null : user.id)}
                      >
                        {open === user.id ? 'Close' : 'Manage'}
                      </button>
                      {user.is_active ? (
                        <button
                          type="button"
                          className="linkish"
                          onClick={() => void standing.run(user, 'deactivate').then(users.reload)}
                        >
                          deactivate
                        </button>
                      ) : (
                        <button
                          type="button"
                          className="linkish"
                          onClick={() => void standing.run(user, 'reactivate').then(users.reload)}
                        >
                          reactivate
                        </button>
                      )}
                      {user.locked_until !== null ? (
                        <button
                          type="button"
                          className="linkish"
                          onClick={() => void standing.run(user, 'unlock').then(users.reload)}
                        >
                          unlock
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {page.next_cursor === null ? null : (
              <Link href={`/users${query({ cursor: page.next_cursor })}`}>More users →</Link>
            )}
          </>
        )}
      </Show>
      {standing.error === null ? null : <ErrorNotice error={standing.error} />}
      <NewUserForm onCreated={users.reload} />
    </>
  );
}
