import assert from 'node:assert/strict';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { waitFor } from './process.js';
import type { TcpProxy } from './tcp-proxy.js';

const CUT_MS = 5000;

/** One decision request as a test sends it: in-process (inject) or over HTTP to a real process. */
export type Evaluate = (payload: object) => Promise<{ status: number; body: Record<string, unknown> }>;

// The starter bundle with `generate` no longer permitted: a decision that flips once this bundle is in force.
export const WITHOUT_GENERATE: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(starterPolicies()).filter(([id]) => id !== 'baseline-governed-actions.1')),
  'baseline-governed-actions.1': `@id("baseline-governed-actions.1")
@principle("baseline-governed-actions")
permit (principal, action in [Action::"respond", Action::"tool_call", Action::"retrieve", Action::"write_memory", Action::"send_external"], resource);`,
};

export const generate = (content: string) => ({
  principal: { type: 'Agent', id: 'support-bot' },
  action: 'generate',
  resource: { type: 'Model', id: 'gpt' },
  content,
});

export interface FaultRun {
  statuses: Record<string, number>;
  acknowledged: string[];
  recoveredMs: number;
  restoredAt: number;
}

/**
 * Eight callers evaluate unique requests without pause while `proxy` is cut for 5 s; `duringCut` runs a second
 * into it. Every refusal must be a 503 with one of `codes`; the run ends at the first decision after the restore.
 */
export async function evaluateThroughCut(
  evaluate: Evaluate,
  proxy: TcpProxy,
  codes: ReadonlySet<string>,
  duringCut: () => Promise<void>,
): Promise<FaultRun> {
  const acknowledged: string[] = [];
  const statuses: Record<string, number> = {};
  let stop = false;
  let restoredAt = 0;
  let firstOkAfterRestore = 0;
  let sequence = 0;
  const problems: string[] = [];
  const worker = async () => {
    while (!stop) {
      const response = await evaluate(generate(`unique request ${(sequence += 1)}`));
      const code = response.status === 200 ? null : String(response.body['error_code']);
      const label = code === null ? '200' : `${response.status} ${code}`;
      statuses[label] = (statuses[label] ?? 0) + 1;
      if (code === null) {
        acknowledged.push(String(response.body['decision_id']));
        if (restoredAt > 0 && firstOkAfterRestore === 0) firstOkAfterRestore = Date.now();
      } else {
        if (response.status !== 503 || !codes.has(code)) problems.push(JSON.stringify(response.body));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  proxy.cut();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await duringCut();
  await new Promise((resolve) => setTimeout(resolve, CUT_MS - 1000));
  proxy.restore();
  restoredAt = Date.now();
  await waitFor(async () => firstOkAfterRestore > 0, 5000, 'a decision after the restore').finally(() => {
    stop = true;
  });
  await Promise.all(workers);
  assert.deepEqual(problems.slice(0, 5), [], 'every refusal is a 503 with its code');
  assert.ok(
    Object.keys(statuses).some((label) => label.startsWith('503')),
    `callers saw 503s: ${JSON.stringify(statuses)}`,
  );
  return { statuses, acknowledged, recoveredMs: firstOkAfterRestore - restoredAt, restoredAt };
}
