import { api } from '../api/client.js';
import type { GatewayTool as Tool } from '../api/types.js';
import { useAction, useApi } from '../api/use-api.js';
import { hasAnyRole, useUser } from '../session.js';
import { lineDiff } from '../text/line-diff.js';
import { DiffView } from '../ui/source-view.js';
import { ErrorNotice, shortHash, Show, Time } from '../ui/status.js';

type Definition = NonNullable<Tool['definition']['pending']>;

/** A score from which the catalogue counts a definition as carrying injected instructions (domain/tools). */
const POISONED_FROM = 50;
const APPROVERS = ['admin', 'policy_manager'] as const;

/** The definition as the agent's model reads it, one field per block, for a line diff that a person can follow. */
const definitionText = (definition: Definition): string =>
  [
    `title: ${definition.title ?? ''}`,
    `description: ${definition.description ?? ''}`,
    `input schema: ${JSON.stringify(definition.inputSchema, null, 2)}`,
    `output schema: ${definition.outputSchema === undefined ? '' : JSON.stringify(definition.outputSchema, null, 2)}`,
    `annotations: ${JSON.stringify(definition.annotations ?? {}, null, 2)}`,
  ].join('\n');

const pinnedOf = (tool: Tool): Definition => ({
  name: tool.name,
  ...(tool.title === null ? {} : { title: tool.title }),
  description: tool.description,
  inputSchema: tool.input_schema,
  ...(tool.output_schema === null ? {} : { outputSchema: tool.output_schema }),
  annotations: tool.annotations,
});

function ChangedDefinition({ tool, onApproved }: { tool: Tool; onApproved(): void }) {
  const user = useUser();
  const approve = useAction(async () =>
    api.post(`/api/v1/tools/${encodeURIComponent(tool.id)}/definition/approve`, {
      digest: tool.definition.pending_digest,
    }),
  );
  const pending = tool.definition.pending!;
  return (
    <section className="card" aria-label={`Changed definition of ${tool.id}`}>
      <h3>{tool.id} changed its definition</h3>
      <p>
        Hidden from agents and every call refused since <Time iso={tool.definition.changed_at} />. Pinned{' '}
        <code>{shortHash(tool.definition.digest ?? '')}</code>, now{' '}
        <code>{shortHash(tool.definition.pending_digest ?? '')}</code>.
      </p>
      <DiffView
        lines={lineDiff(definitionText(pinnedOf(tool)), definitionText(pending))}
        label={`Diff of ${tool.id}`}
      />
      {hasAnyRole(user, APPROVERS) ? (
        <div className="actions">
          <button
            type="button"
            disabled={approve.busy}
            onClick={() => void approve.run().then((done) => done !== undefined && onApproved())}
          >
            Approve this definition
          </button>
        </div>
      ) : (
        <p className="muted">An admin or policy manager approves a changed definition.</p>
      )}
      {approve.error === null ? null : <ErrorNotice error={approve.error} />}
    </section>
  );
}

/** The MCP tool catalogue: what each tool is decided as, and the definitions upstreams changed since they were pinned. */
export function ToolsPage() {
  const tools = useApi<{ items: Tool[] }>('/api/v1/tools');
  return (
    <>
      <h1>Tools</h1>
      <p className="muted">
        Tools of the upstream MCP servers, as the gateway serves and decides them. A definition an upstream changes
        after it was pinned is held here until someone reviews and approves it.
      </p>
      <Show loaded={tools}>
        {({ items }) => {
          const changed = items.filter((tool) => tool.definition.status === 'changed');
          return (
            <>
              {changed.length === 0 ? (
                <p>No tool definition is waiting for review.</p>
              ) : (
                changed.map((tool) => <ChangedDefinition key={tool.id} tool={tool} onApproved={tools.reload} />)
              )}
              <table aria-label="Tool catalogue">
                <thead>
                  <tr>
                    <th>Tool</th>
                    <th>Definition</th>
                    <th>Risk</th>
                    <th>Classification</th>
                    <th>Description</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((tool) => (
                    <tr key={tool.id}>
                      <td>{tool.id}</td>
                      <td>
                        {tool.definition.status}
                        {tool.injection_score >= POISONED_FROM ? (
                          <span className="badge badge-failed" title={`injection score ${tool.injection_score}`}>
                            {' '}
                            injected instructions
                          </span>
                        ) : null}
                      </td>
                      <td>{tool.effective.risk}</td>
                      <td>{tool.effective.data_classification}</td>
                      <td>{tool.description}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          );
        }}
      </Show>
    </>
  );
}
