import type { FastifyInstance } from 'fastify';
import { STARTER_PRINCIPLES } from '../../src/domain/constitution/starter.js';
import type { PrincipleContent } from '../../src/domain/constitution/types.js';
import type { Platform } from '../../src/platform/platform.js';
import { tokenFor } from './harness.js';

/**
 * The starter principles, with the baseline permit leaving tool calls on these tools to policy: the constitution
 * then neither requires nor forbids them, so policies that forbid them conform (the starter constitution's
 * baseline says every request no principle forbids must be allowed, which a new forbid would violate).
 */
export function principlesLeavingToPolicy(tools: readonly string[]): PrincipleContent[] {
  return STARTER_PRINCIPLES.map((principle) => {
    if (principle.key !== 'baseline-governed-actions') return principle;
    const [baseline] = principle.constraints;
    const others = baseline!.actions.filter((action) => action !== 'tool_call');
    return {
      ...principle,
      constraints: [
        { effect: 'permit', actions: others },
        {
          effect: 'permit',
          actions: ['tool_call'],
          unless: [{ attr: 'context.tool', op: 'in', value: [...tools] }],
        },
      ],
    };
  });
}

/** Enacts these principles as version 1 of an empty constitution (start the platform with ACGS_STARTER_CONSTITUTION=false). */
export async function enactConstitution(
  ac: FastifyInstance,
  platform: Platform,
  principles: readonly PrincipleContent[],
): Promise<void> {
  const admin = (await tokenFor(platform, ['admin'])).headers;
  for (const principle of principles) {
    const created = await ac.inject({ method: 'POST', url: '/api/v1/principles', headers: admin, payload: principle });
    if (created.statusCode !== 201) throw new Error(`drafting ${principle.key} failed: ${created.body}`);
  }
  const enacted = await ac.inject({ method: 'POST', url: '/api/v1/constitution/bootstrap', headers: admin });
  if (enacted.statusCode !== 201) throw new Error(`bootstrapping the constitution failed: ${enacted.body}`);
}

/**
 * Amends the constitution in force through the council, as its members would: a policy manager proposes and opens
 * the amendment, three new council members vote for it, and it is enacted as the next version.
 */
export async function amendConstitution(
  ac: FastifyInstance,
  platform: Platform,
  changes: readonly object[],
  /** Sent with every request too (a `traceparent`, say). */
  extraHeaders: Record<string, string> = {},
): Promise<{ version: number; hash: string }> {
  const base = '/api/v1/constitutional-council/amendments';
  const manager = (await tokenFor(platform, ['policy_manager'])).headers;
  const post = async (url: string, headers: Record<string, string>, payload: object) => {
    const response = await ac.inject({ method: 'POST', url, headers: { ...headers, ...extraHeaders }, payload });
    if (response.statusCode >= 300) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    return response.json<{ id: string; status: string; enacted_version?: number }>();
  };
  const council = [];
  const members: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    const member = await tokenFor(platform, ['council_member']);
    members.push(member.userId);
    council.push(member.headers);
  }
  const { id } = await post(base, manager, { title: 'An amendment', rationale: 'Because.', changes });
  await post(`${base}/${id}/open`, manager, {});
  let outcome = { status: 'open' } as { status: string; enacted_version?: number };
  for (const member of council)
    if (outcome.status === 'open')
      outcome = await post(`${base}/${id}/vote`, member, { vote: 'for', reason: 'agreed' });
  // These members would count toward the quorum of a later amendment in the same test, which three votes would miss.
  await platform.db.query('UPDATE users SET is_active = false WHERE id = ANY($1::uuid[])', [members]);
  if (outcome.status !== 'enacted') throw new Error(`the amendment was not enacted: ${outcome.status}`);
  const current = await ac.inject({ method: 'GET', url: '/api/v1/constitution', headers: manager });
  return current.json<{ version: number; hash: string }>();
}
