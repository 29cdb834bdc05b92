import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.js';
import { useSession } from '../session.js';

const minutes = (seconds: number) => Math.max(1, Math.ceil(seconds / 60));

/** What a failed sign-in tells a person: the platform's reason, and how long to wait when there is a wait. */
export function signInProblem(error: unknown): string {
  if (!(error instanceof ApiError)) return 'The console cannot reach the server. Check your connection and try again.';
  const wait = error.retryAfterSeconds;
  switch (error.code) {
    case 'INVALID_CREDENTIALS':
      return 'Wrong email or password.';
    case 'ACCOUNT_LOCKED':
      return `Too many failed attempts: this account is locked. Try again in ${wait === null ? 'a few' : minutes(wait)} minute${wait !== null && minutes(wait) === 1 ? '' : 's'}, or ask an admin to unlock it.`;
    case 'RATE_LIMITED':
      return `Too many sign-in attempts from this address. Wait ${wait ?? 60} seconds and try again.`;
    default:
      return `${error.detail} (${error.code})`;
  }
}

export function SignInPage({ notice }: { notice: string | null }) {
  const { signIn } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await signIn(email.trim(), password);
    } catch (error) {
      setProblem(signInProblem(error));
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <h1>ACGS-PGP console</h1>
      <p className="muted">Constitutional governance for AI: sign in with your platform account.</p>
      {notice === null ? null : (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <form onSubmit={submit} aria-label="Sign in">
        <label>
          Email
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        {problem === null ? null : (
          <p className="notice notice-error" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
