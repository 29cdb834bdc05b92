import type { Finding, Reason } from '../api/types.js';
import { Link } from '../router.js';

/** Content with each finding's span marked, so a person sees exactly what a detector saw. */
export function HighlightedContent({ content, findings }: { content: string; findings: readonly Finding[] }) {
  const spans = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (const [index, finding] of spans.entries()) {
    if (finding.start < at) continue;
    parts.push(content.slice(at, finding.start));
    parts.push(
      <mark key={index} className="finding" data-kind={finding.kind} title={`${finding.detector}: ${finding.kind}`}>
        {content.slice(finding.start, finding.end)}
      </mark>,
    );
    at = finding.end;
  }
  parts.push(content.slice(at));
  return (
    <p className="content" aria-label="Content with findings">
      {parts}
    </p>
  );
}

/** Why: each policy that decided, and the principles it implements, linked to the constitution. */
export function ReasonList({ reasons }: { reasons: readonly Reason[] }) {
  return (
    <ul className="reasons" aria-label="Reasons">
      {reasons.map((reason, index) => (
        <li key={index}>
          <strong>{reason.effect}</strong>{' '}
          {reason.policy_id === null ? (
            <span>{reason.error_code}</span>
          ) : (
            <Link href={`/policies/${encodeURIComponent(reason.policy_id)}`}>{reason.policy_id}</Link>
          )}
          {reason.principles.length === 0 ? null : (
            <>
              {' '}
              — principle{reason.principles.length === 1 ? '' : 's'}{' '}
              {reason.principles.map((key, i) => (
                <span key={key}>
                  {i > 0 ? ', ' : ''}
                  <Link href={`/constitution#principle-${key}`} data-principle-link={key}>
                    {key}
                  </Link>
                </span>
              ))}
            </>
          )}
          {reason.message === undefined ? null : <span className="muted"> ({reason.message})</span>}
        </li>
      ))}
    </ul>
  );
}

export function FindingTable({ findings }: { findings: readonly Finding[] }) {
  if (findings.length === 0) return <p className="muted">No detector found anything.</p>;
  return (
    <table aria-label="Findings">
      <thead>
        <tr>
          <th>Detector</th>
          <th>Kind</th>
          <th>Span</th>
          <th>Confidence</th>
        </tr>
      </thead>
      <tbody>
        {findings.map((finding, index) => (
          <tr key={index}>
            <td>{finding.detector}</td>
            <td>{finding.kind}</td>
            <td>
              {finding.start}–{finding.end}
            </td>
            <td>{finding.confidence.toFixed(2)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
