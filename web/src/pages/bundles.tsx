import { useCallback, useMemo } from 'react';
import type { AuditEntry, Page, ServedBundle as BundleResponse } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { Link, useLocation } from '../router.js';
import { useTrust } from '../trust-context.js';
import { DownloadLink } from '../ui/download.js';
import { CheckBadge, shortHash, Show, Time, type CheckState } from '../ui/status.js';
import { canonicalJson } from '../verify/canonical-json.js';
import { checkBundle, type BundleChecks, type Check } from '../verify/log-checks.js';
import { verifyDetachedSignature } from '../verify/signatures.js';
import { useChecks } from '../verify/use-checks.js';

export const asCheckState = (check: Check | undefined): CheckState =>
  check === undefined
    ? { state: 'pending' }
    : check.ok
      ? { state: 'ok', detail: check.detail }
      : { state: 'failed', detail: check.detail };

function BundleDetail({ served }: { served: BundleResponse }) {
  const { keys, published } = useTrust();
  const run = useCallback((input: BundleResponse) => checkBundle(input, keys!, verifyDetachedSignature), [keys]);
  const checks: BundleChecks | null = useChecks(keys === null ? null : served, run);
  const key = published.find((item) => item.fingerprint.toLowerCase() === served.key_fingerprint.toLowerCase());
  return (
    <section aria-label={`Bundle v${served.bundle.version}`}>
      <h2>
        Bundle v{served.bundle.version} <code className="mono">{shortHash(served.hash)}</code>
      </h2>
      <p className="checks">
        <CheckBadge label="bundle hash" check={asCheckState(checks?.hash)} />{' '}
        <CheckBadge label="bundle signature" check={asCheckState(checks?.signature)} />{' '}
        <CheckBadge label="log inclusion" check={asCheckState(checks?.inclusion)} />{' '}
        <CheckBadge label="tree head signature" check={asCheckState(checks?.treeHead)} />
      </p>
      <p className="muted">
        Built <Time iso={served.bundle.created_at} /> for constitution{' '}
        <code className="mono">{shortHash(served.bundle.constitution_hash)}</code>, schema{' '}
        {served.bundle.schema_version}, signed by <code className="mono">{served.key_fingerprint}</code>
        {served.log_proof === null ? null : `, activation at leaf in a tree of ${served.log_proof.tree_head.tree_size}`}
        .
      </p>
      <div className="actions">
        <DownloadLink name="bundle.json" text={canonicalJson(served.bundle)} type="application/json" />
        <DownloadLink name="bundle.sig" text={served.signature} />
        {key === undefined ? null : <DownloadLink name="key.asc" text={key.armored_public} />}
      </div>
      <p className="muted">
        Check it yourself: <code>gpg --import key.asc &amp;&amp; gpg --verify bundle.sig bundle.json</code>
      </p>
      <table>
        <thead>
          <tr>
            <th>Policy</th>
            <th>Effect</th>
            <th>Principles</th>
            <th>Obligations</th>
          </tr>
        </thead>
        <tbody>
          {served.bundle.policies.map((policy) => (
            <tr key={policy.id}>
              <td>
                <Link href={`/policies/${encodeURIComponent(policy.id)}`}>{policy.id}</Link>
              </td>
              <td>{policy.effect}</td>
              <td>{policy.principles.join(', ')}</td>
              <td>{policy.obligations.join(', ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function BundlesPage() {
  const { params } = useLocation();
  const version = params.get('version');
  const history = useApi<Page<AuditEntry>>('/api/v1/audit/logs?action=bundle.activated&limit=100');
  const path = useMemo(
    () => (version === null ? '/api/v1/bundles/active' : `/api/v1/bundles/${encodeURIComponent(version)}`),
    [version],
  );
  const served = useApi<BundleResponse>(path);
  return (
    <>
      <h1>Bundles</h1>
      <Show loaded={served}>{(data) => <BundleDetail served={data} />}</Show>
      <section>
        <h2>Activation history</h2>
        <Show loaded={history}>
          {(page) => (
            <table>
              <thead>
                <tr>
                  <th>Bundle</th>
                  <th>Hash</th>
                  <th>Activated</th>
                  <th>Leaf</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((entry) => {
                  const number = entry.resource.replace(/^bundle:/, '');
                  return (
                    <tr key={entry.leaf_index}>
                      <td>
                        <Link href={`/bundles?version=${number}`}>v{number}</Link>
                      </td>
                      <td className="mono">
                        {typeof entry.details['hash'] === 'string' ? shortHash(entry.details['hash']) : '—'}
                      </td>
                      <td>
                        <Time iso={entry.timestamp} />
                      </td>
                      <td>
                        <Link href={`/audit?index=${entry.leaf_index}`}>#{entry.leaf_index}</Link>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </Show>
      </section>
    </>
  );
}
