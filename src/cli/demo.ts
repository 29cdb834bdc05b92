import { randomBytes } from 'node:crypto';
import { leafHash, verifyInclusion } from '../domain/audit/merkle.js';
import { treeHeadSignedData } from '../domain/audit/tree-head.js';
import { verifyDetached } from '../domain/crypto/openpgp.js';
import type { ServiceName } from '../platform/config.js';

type Json = Record<string, unknown> & { [key: string]: unknown };

interface DemoOptions {
  urls: Record<ServiceName, string>;
  adminEmail: string;
  adminPassword: string;
  say: (line: string) => void;
  /** How long to wait for the loop to submit and for PGC to enforce (ms). */
  patienceMs?: number;
}

class DemoFailed extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Walks the whole governance loop on a running stack, over its public HTTP APIs only, printing each step: council
 * members and policy managers are created, an amendment adds a principle with constraints, the council enacts it,
 * the synthesis service compiles and verifies it, a second policy manager approves and activates it, and an agent's
 * request the principle forbids is denied, traced to it, with a receipt checked here against the signed log.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const { urls, say } = options;
  const patience = options.patienceMs ?? 120_000;
  const call = async (service: ServiceName, method: string, path: string, token: string | null, body?: object) => {
    for (;;) {
      const response = await fetch(`${urls[service]}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token === null
            ? {}
            : token.startsWith('key:')
              ? { 'x-api-key': token.slice(4) }
              : { authorization: `Bearer ${token}` }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      // Logins and sign-ups are rate limited per minute; a demo run soon after another waits its turn.
      if (response.status === 429) {
        const wait = Number(response.headers.get('retry-after') ?? '5');
        say(`  (rate limited: waiting ${wait} s)`);
        await sleep(wait * 1000);
        continue;
      }
      const parsed = (text === '' ? {} : JSON.parse(text)) as Json;
      if (response.status >= 300)
        throw new DemoFailed(`${method} ${path}: ${response.status} ${String(parsed['detail'] ?? text)}`);
      return parsed;
    }
  };
  const until = async <T>(what: string, probe: () => Promise<T | null>): Promise<T> => {
    const deadline = Date.now() + patience;
    for (;;) {
      const found = await probe();
      if (found !== null) return found;
      if (Date.now() > deadline) throw new DemoFailed(`gave up waiting for ${what}`);
      await sleep(500);
    }
  };

  const tag = randomBytes(3).toString('hex');
  const people: string[] = [];
  say(`1. Sign in as ${options.adminEmail} and create the people of this demo (suffix ${tag})`);
  const admin = String(
    (
      await call('auth', 'POST', '/auth/login', null, { username: options.adminEmail, password: options.adminPassword })
    )['access_token'],
  );
  const person = async (name: string, roles: string[]) => {
    const email = `${name}-${tag}@demo.acgs.local`;
    const password = `Demo-${randomBytes(9).toString('base64url')}-7`;
    const user = await call('auth', 'POST', '/auth/register', null, { email, password, full_name: `${name} (demo)` });
    await call('auth', 'PUT', `/auth/users/${String(user['id'])}/roles`, admin, { roles });
    people.push(String(user['id']));
    say(`   ${email}: ${roles.join(', ')}`);
    if (roles.includes('agent')) return String(user['id']);
    return String((await call('auth', 'POST', '/auth/login', null, { username: email, password }))['access_token']);
  };
  const council = [
    await person('council-a', ['council_member']),
    await person('council-b', ['council_member']),
    await person('council-c', ['council_member']),
  ];
  const proposer = await person('manager-1', ['policy_manager']);
  const approver = await person('manager-2', ['policy_manager']);
  const agentId = await person('agent', ['agent']);
  const agentKey = `key:${String((await call('auth', 'POST', '/auth/api-keys', admin, { user_id: agentId, name: `demo ${tag}` }))['key'])}`;

  const key = `demo-review-shell-${tag}`;
  const principle = {
    key,
    title: 'Destructive shell commands need a person',
    description: 'Agents may not run the shell tool at risk 50 or more without human approval.',
    category: 'human_oversight',
    priority: 90,
    scope: { actions: ['tool_call'], resource_types: ['Tool'] },
    normative_statement: 'A shell tool call with risk 50 or more must not run without human approval.',
    rationale: 'Shell commands can destroy data and cannot be undone.',
    constraints: [
      {
        effect: 'forbid',
        actions: ['tool_call'],
        when: [
          { attr: 'context.tool', op: 'eq', value: 'shell' },
          { attr: 'context.risk', op: 'gte', value: 50 },
        ],
        unless: [{ attr: 'context.human_approved', op: 'is_true' }],
        obligations: ['require_human_review'],
      },
    ],
  };
  // A second principle in the same amendment: the two are verified, approved and activated together, as one change.
  const paymentsKey = `demo-confidential-payments-${tag}`;
  const payments = {
    key: paymentsKey,
    title: 'Payments never touch confidential data',
    description: 'Agents may not call the payments tool on data classified confidential.',
    category: 'privacy',
    priority: 85,
    scope: { actions: ['tool_call'], resource_types: ['Tool'] },
    normative_statement: 'A payments tool call on confidential data must not run.',
    rationale: 'Confidential records must not leave through a payment reference.',
    constraints: [
      {
        effect: 'forbid',
        actions: ['tool_call'],
        when: [
          { attr: 'context.tool', op: 'eq', value: 'payments' },
          { attr: 'context.data_classification', op: 'eq', value: 'confidential' },
        ],
      },
    ],
  };
  // A third that permits what the second restricts: the three are right only together.
  const routineKey = `demo-routine-payments-${tag}`;
  const routine = {
    key: routineKey,
    title: 'Routine payments may run',
    description: 'Agents may call the payments tool at risk under 20.',
    category: 'accountability',
    priority: 40,
    scope: { actions: ['tool_call'], resource_types: ['Tool'] },
    normative_statement: 'A payments tool call at risk under 20 is allowed unless another principle forbids it.',
    rationale: 'Small, routine payments should not wait for a person.',
    constraints: [
      {
        effect: 'permit',
        actions: ['tool_call'],
        when: [
          { attr: 'context.tool', op: 'eq', value: 'payments' },
          { attr: 'context.risk', op: 'lt', value: 20 },
        ],
      },
    ],
  };
  say(
    `2. manager-1 proposes an amendment adding three principles, "${key}", "${paymentsKey}" and "${routineKey}", and opens it for votes`,
  );
  const base = '/api/v1/constitutional-council/amendments';
  const amendment = await call('ac', 'POST', base, proposer, {
    title: `Add ${key}, ${paymentsKey} and ${routineKey}`,
    rationale: 'Shell access is the riskiest tool agents have, and payments carry what they are given.',
    changes: [
      { op: 'add_principle', principle },
      { op: 'add_principle', principle: payments },
      { op: 'add_principle', principle: routine },
    ],
  });
  const amendmentId = String(amendment['id']);
  await call('ac', 'POST', `${base}/${amendmentId}/open`, proposer, {});
  say(`   amendment ${amendmentId}`);
  say('3. The council votes');
  let outcome: Json = { status: 'open' };
  for (const [index, member] of council.entries()) {
    if (outcome['status'] !== 'open') break;
    outcome = await call('ac', 'POST', `${base}/${amendmentId}/vote`, member, { vote: 'for', reason: 'agreed' });
    say(`   council-${'abc'[index]} votes for → ${String(outcome['status'])}`);
  }
  if (outcome['status'] !== 'enacted')
    throw new DemoFailed(
      `the amendment is ${String(outcome['status'])}, not enacted (a larger council needs more votes)`,
    );
  const constitution = await call('ac', 'GET', '/api/v1/constitution', proposer);
  say(`4. Enacted: constitution v${String(constitution['version'])} ${String(constitution['hash'])}`);

  say('5. The synthesis service compiles the three principles and verifies them as one change set');
  const run = await until('the synthesis run', async () => {
    const runs = (await call('gs', 'GET', '/api/v1/synthesize/runs?limit=20', proposer))['items'] as Json[];
    const mine = runs.find((candidate) => candidate['triggered_by_version'] === constitution['version']);
    if (mine === undefined || ['queued', 'synthesising', 'verifying'].includes(String(mine['status']))) return null;
    return mine;
  });
  if (run['status'] !== 'awaiting_approval')
    throw new DemoFailed(`synthesis run ${String(run['id'])} is ${String(run['status'])}: ${String(run['reason'])}`);
  const changeSetId = String(run['change_set_id']);
  say(`   run ${String(run['id'])}: ${String(run['status'])}; change set ${changeSetId}`);
  const submitted = run['policies'] as { policy_id: string; version: number }[];
  const shellPolicy = submitted.find((p) => p.policy_id.startsWith(`${key}.`))!;
  for (const item of submitted) {
    const policy = await call('integrity', 'GET', `/api/v1/policies/${item.policy_id}`, proposer);
    say(`   policy ${item.policy_id} v${item.version} (${String(policy['status'])}):`);
    for (const line of String(policy['source']).split('\n')) say(`     ${line}`);
  }
  for (const principleKey of [key, paymentsKey, routineKey]) {
    const entry = ((run['report'] as Json)['principles'] as Record<string, Json>)[principleKey]!;
    const verification = entry['verification'] as Json;
    const relation = (verification['forbid_equivalence'] ?? verification['permit_equivalence']) as Json;
    say(`   ${principleKey}: equivalent to its constraint: ${String((relation['equivalent'] as Json)['verdict'])}`);
  }
  const changeSet = await call('integrity', 'GET', `/api/v1/change-sets/${changeSetId}`, proposer);
  const report = changeSet['verification_report'] as Json;
  say(
    `   change set ${changeSetId}: the bundle it makes conforms to constitution v${String(changeSet['constitution_version'])}: ${String(report['verdict'])}; status ${String(changeSet['status'])}`,
  );
  for (const warning of report['warnings'] as string[]) say(`   warning: ${warning}`);
  const state = await call('integrity', 'GET', '/api/v1/change-sets/state', proposer);
  say(`   ${String(state['reason'])}`);

  say('6. manager-2 (not the author) approves the change set and activates it; one signed bundle goes into force');
  await call('integrity', 'POST', `/api/v1/change-sets/${changeSetId}/approve`, approver, {});
  const activated = await call(
    'integrity',
    'POST',
    `/api/v1/change-sets/${changeSetId}/activate?wait=10`,
    approver,
    {},
  );
  const enforcement = activated['enforcement'] as { acknowledged: boolean; instances: Json[] };
  say(
    `   bundle v${String(activated['bundle_version'])}; enforced by ${enforcement.instances.length} PGC instance(s) since ${enforcement.instances.map((i) => String(i['enforcing_since'])).join(', ')}`,
  );
  if (!enforcement.acknowledged) throw new DemoFailed('enforcement did not acknowledge the new bundle within 10 s');
  const settled = await call('gs', 'GET', `/api/v1/synthesize/runs/${String(run['id'])}`, proposer);
  say(`   run status: ${String(settled['status'])}`);

  say(
    '7. An agent asks to restart a service through the shell tool at risk 60 (below the starter 70 threshold, and no destructive command the detectors raise: only the new principle forbids it)',
  );
  const request = {
    principal: { type: 'Agent', id: 'demo-agent' },
    action: 'tool_call',
    resource: { type: 'Tool', id: 'shell' },
    context: { tool: 'shell', risk: 60 },
    content: 'systemctl restart payments-api',
  };
  // Activation was acknowledged by enforcement: the first request after it is decided by the new bundle.
  const decision = await call('pgc', 'POST', '/api/v1/enforcement/evaluate', agentKey, request);
  const reasons = decision['reasons'] as { policy_id: string; principles: string[] }[];
  for (const reason of reasons)
    say(`   ${String(decision['decision'])} by ${reason.policy_id}, implementing ${reason.principles.join(', ')}`);
  say(`   obligations: ${JSON.stringify(decision['obligations'])}`);
  if (decision['decision'] !== 'deny' || !reasons.some((reason) => reason.policy_id === shellPolicy.policy_id))
    throw new DemoFailed(`the new bundle did not decide the shell call: ${JSON.stringify(decision)}`);
  const paid = await call('pgc', 'POST', '/api/v1/enforcement/evaluate', agentKey, {
    principal: { type: 'Agent', id: 'demo-agent' },
    action: 'tool_call',
    resource: { type: 'Tool', id: 'payments' },
    context: { tool: 'payments', risk: 5, data_classification: 'confidential' },
  });
  say(
    `   a payments call on confidential data: ${String(paid['decision'])} by ${(paid['reasons'] as { policy_id: string }[]).map((r) => r.policy_id).join(', ')}`,
  );
  if (paid['decision'] !== 'deny') throw new DemoFailed('the second principle of the amendment is not enforced');
  const routinePaid = await call('pgc', 'POST', '/api/v1/enforcement/evaluate', agentKey, {
    principal: { type: 'Agent', id: 'demo-agent' },
    action: 'tool_call',
    resource: { type: 'Tool', id: 'payments' },
    context: { tool: 'payments', risk: 5, data_classification: 'public' },
  });
  say(`   a routine payments call (risk 5, public data): ${String(routinePaid['decision'])}`);
  if (routinePaid['decision'] !== 'allow') throw new DemoFailed('the routine payment the amendment permits is denied');

  say('8. Its receipt, checked here: the log entry, its inclusion proof and the signed tree head');
  const decisionId = String(decision['decision_id']);
  const receipt = await until('the receipt', async () => {
    try {
      return await call('integrity', 'GET', `/api/v1/audit/receipts/${decisionId}`, admin);
    } catch (error) {
      if (error instanceof DemoFailed && / 404 /.test(error.message)) return null;
      throw error;
    }
  });
  const head = receipt['tree_head'] as {
    tree_size: number;
    root_hash: string;
    timestamp: string;
    signed_data: string;
    signature: string;
  };
  const included = verifyInclusion(
    leafHash(Buffer.from(String(receipt['leaf_data']), 'utf8')),
    Number(receipt['leaf_index']),
    head.tree_size,
    (receipt['audit_path'] as string[]).map((hex) => Buffer.from(hex, 'hex')),
    Buffer.from(head.root_hash, 'hex'),
  );
  const keys = (
    (await call('integrity', 'GET', '/api/v1/crypto/keys', null))['items'] as { armored_public: string }[]
  ).map((k) => k.armored_public);
  const signed =
    head.signed_data === treeHeadSignedData(head) &&
    (await verifyDetached(Buffer.from(head.signed_data, 'utf8'), head.signature, keys)).valid;
  const names = String(receipt['leaf_data']).includes(decisionId);
  say(
    `   decision ${decisionId}: leaf ${String(receipt['leaf_index'])} of ${head.tree_size}; inclusion ${included ? 'verified' : 'FAILED'}; tree head signature ${signed ? 'verified' : 'FAILED'}; entry names the decision: ${names ? 'yes' : 'NO'}`,
  );
  if (!included || !signed || !names) throw new DemoFailed('the receipt does not verify');
  say('Done: the principles the council enacted are enforced, traced to them, and provably logged.');
  // The demo's council members would otherwise count toward the quorum of every later amendment.
  for (const id of people) await call('auth', 'POST', `/auth/users/${id}/deactivate`, admin, {});
  say(`   (the ${people.length} demo accounts are deactivated; the principles and their policies stay)`);
}

export { DemoFailed };
