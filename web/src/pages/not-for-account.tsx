import { useSession } from '../session.js';

/** Agents and services act through the API with keys; a person's console has nothing for them. */
export function NotForThisAccount({ roles }: { roles: readonly string[] }) {
  const { signOut } = useSession();
  return (
    <main className="sign-in">
      <h1>Not for this account</h1>
      <p role="alert" className="notice notice-error">
        This console is for people: council members, policy managers, auditors and admins. This account has the{' '}
        {roles.length === 0 ? 'no' : roles.join(', ')} role{roles.length === 1 ? '' : 's'}; agents and services use the
        API with an API key.
      </p>
      <button type="button" onClick={() => void signOut()}>
        Sign out
      </button>
    </main>
  );
}
