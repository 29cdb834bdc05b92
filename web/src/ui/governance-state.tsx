import type { GovernanceState } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { Link } from '../router.js';
import { Show } from './status.js';

/** Enacted vs enforced, in one line, wherever the console shows the constitution or the bundle in force. */
export function GovernanceStateLine() {
  const state = useApi<GovernanceState>('/api/v1/change-sets/state');
  return (
    <Show loaded={state}>
      {(current) => (
        <p className={current.state === 'enforced' ? '' : 'verdict verdict-deny'} data-testid="governance-state">
          {current.reason}
          {current.change_set === null || current.state === 'enforced' ? null : (
            <>
              {' '}
              — <Link href={`/change-sets/${current.change_set.id}`}>change set {current.change_set.id}</Link>
            </>
          )}
        </p>
      )}
    </Show>
  );
}
