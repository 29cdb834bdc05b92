import { useEffect, useState } from 'react';
import { compatibleVersion, EXPECTED_API_VERSION, fetchAllHealth, type ServiceHealth } from '../services.js';

export function AboutPage() {
  const [health, setHealth] = useState<ServiceHealth[] | null>(null);
  useEffect(() => {
    void fetchAllHealth().then(setHealth);
  }, []);
  return (
    <>
      <h1>About</h1>
      <p>
        ACGS-PGP console, built for API {EXPECTED_API_VERSION}. Every hash, signature and proof marked ✓ was checked in
        this browser, not taken from the server's word.
      </p>
      <table>
        <thead>
          <tr>
            <th>Service</th>
            <th>Version</th>
            <th>Status</th>
            <th>Instance</th>
            <th>API reference</th>
          </tr>
        </thead>
        <tbody>
          {(health ?? []).map(({ service, health: answer }) => (
            <tr key={service}>
              <td>{service}</td>
              <td>
                {answer?.version ?? '—'}
                {answer !== null && !compatibleVersion(answer.version) ? ' (incompatible)' : ''}
              </td>
              <td>{answer?.status ?? 'unreachable'}</td>
              <td className="mono">{answer?.instance_id ?? '—'}</td>
              <td>
                <a href={`/${service}/docs`} target="_blank" rel="noreferrer">
                  /{service}/docs
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        Dashboards: Grafana (<code>acgs-overview</code>, <code>acgs-governance</code>) where your deployment runs it, by
        default on port 3001.
      </p>
    </>
  );
}
