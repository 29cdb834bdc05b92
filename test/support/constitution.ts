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
