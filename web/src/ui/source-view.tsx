import type { Diagnostic } from '../text/diagnostics.js';
import type { DiffLine } from '../text/line-diff.js';

/** Cedar source with line numbers; lines the server's diagnostics point at are marked with their messages. */
export function SourceView({ source, diagnostics = [] }: { source: string; diagnostics?: readonly Diagnostic[] }) {
  return (
    <pre className="source" aria-label="Cedar source">
      {source.split('\n').map((text, index) => {
        const here = diagnostics.filter((diagnostic) => diagnostic.line === index + 1);
        return (
          <span
            key={index}
            className={here.length > 0 ? 'source-line source-error' : 'source-line'}
            data-line={index + 1}
          >
            <span className="line-number">{index + 1}</span>
            {text}
            {here.map((diagnostic, i) => (
              <span key={i} className="diagnostic" role="note">
                {'  '}← {diagnostic.column === null ? '' : `col ${diagnostic.column}: `}
                {diagnostic.message}
              </span>
            ))}
            {'\n'}
          </span>
        );
      })}
    </pre>
  );
}

export function DiffView({ lines, label }: { lines: readonly DiffLine[]; label: string }) {
  return (
    <pre className="source" aria-label={label}>
      {lines.map((line, index) => (
        <span key={index} className={`diff-line diff-${line.kind}`}>
          {line.kind === 'added' ? '+ ' : line.kind === 'removed' ? '- ' : '  '}
          {line.text}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}
