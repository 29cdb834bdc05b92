import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { EngineRequest } from '../../src/domain/enforcement/engine.js';
import { seededRandom } from '../../src/domain/seeded-random.js';

/** The generator's randomness, seeded so a failing generated case can be reproduced from its seed. */
export const random = seededRandom;

const WORDS = ['email', 'ssn', 'violence', 'high', 'restricted', 'search', 'other-0'];
const LONGS = [0, 1, -1, 69, 70, 80, 2 ** 31, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
const ACTIONS = ['generate', 'respond', 'tool_call', 'retrieve', 'write_memory', 'send_external'];

/** Cedar policies and requests over the governance schema, built to exercise every construct the encoder models. */
export class CedarGenerator {
  constructor(private readonly next: () => number) {}

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  private word(): string {
    return JSON.stringify(this.pick(WORDS));
  }

  private words(): string {
    return `[${Array.from({ length: 1 + Math.floor(this.next() * 3) }, () => this.word()).join(', ')}]`;
  }

  long(depth: number): string {
    // principal.trust and resource.risk error when absent; the large constants overflow when multiplied.
    const atoms = [
      'context.risk',
      'context.injection_score',
      'principal.trust',
      'resource.risk',
      String(this.pick([0, 3, 70, 1000, -5, 3037000500, -3037000500])),
    ];
    if (depth <= 0 || this.next() < 0.5) return this.pick(atoms);
    switch (this.pick(['+', '-', '*', '*', 'neg', 'if'])) {
      case 'neg':
        return `-(${this.long(depth - 1)})`;
      case 'if':
        return `(if ${this.bool(depth - 1)} then ${this.long(depth - 1)} else ${this.long(depth - 1)})`;
      default:
        return `(${this.long(depth - 1)} ${this.pick(['+', '-', '*'])} ${this.long(depth - 1)})`;
    }
  }

  bool(depth: number): string {
    const atoms = [
      () => 'context.secrets',
      () => 'context.human_approved',
      () => `context.pii.contains(${this.word()})`,
      () => `context.pii.containsAny(${this.words()})`,
      () => `context.unsafe_categories.containsAll(${this.words()})`,
      () => 'context.keyword_lists.isEmpty()',
      () => `context.tool == ${this.word()}`,
      () => `context.data_classification != ${this.word()}`,
      () => `context.prior_tools.contains(${this.word()})`,
      () => `context.prior_findings.containsAny(${this.words()})`,
      () => `context.tokens_24h ${this.pick(['<', '<=', '>', '>='])} ${this.pick([0, 200_000])}`,
      () => `context.session_tokens ${this.pick(['<', '<=', '>', '>='])} ${this.pick([0, 50_000])}`,
      () => 'resource.destructive',
      () => `resource.data_classification == ${this.word()}`,
      () => `${this.long(depth - 1)} ${this.pick(['<', '<=', '>', '>='])} ${this.long(depth - 1)}`,
      () => `${this.long(depth - 1)} == ${this.long(depth - 1)}`,
      () => 'principal has trust',
      () => `principal.owner == ${this.word()}`,
      () => 'principal is Agent',
      () => 'resource == Tool::"t1"',
      () => 'resource has risk',
      () => `resource.risk > ${this.pick([0, 5, 70])}`,
      () => `action == Action::"${this.pick(ACTIONS)}"`,
      () => `action in [Action::"${this.pick(ACTIONS)}", Action::"${this.pick(ACTIONS)}"]`,
    ];
    if (depth <= 0 || this.next() < 0.4) return this.pick(atoms)();
    switch (this.pick(['&&', '||', '!', 'if'])) {
      case '!':
        return `!(${this.bool(depth - 1)})`;
      case 'if':
        return `(if ${this.bool(depth - 1)} then ${this.bool(depth - 1)} else ${this.bool(depth - 1)})`;
      default:
        return `(${this.bool(depth - 1)} ${this.pick(['&&', '||'])} ${this.bool(depth - 1)})`;
    }
  }

  policy(id: string): { id: string; text: string } {
    const principal = this.pick(['principal', 'principal is Agent', 'principal == User::"u1"']);
    const action = this.pick([
      'action',
      `action == Action::"${this.pick(ACTIONS)}"`,
      `action in [Action::"${this.pick(ACTIONS)}", Action::"${this.pick(ACTIONS)}"]`,
    ]);
    const resource = this.pick(['resource', 'resource is Tool', 'resource == Tool::"t1"']);
    const conditions = Array.from(
      { length: Math.floor(this.next() * 3) },
      () => `${this.pick(['when', 'unless'])} { ${this.bool(2)} }`,
    ).join(' ');
    return {
      id,
      text: `${this.pick(['permit', 'permit', 'forbid'])} (${principal}, ${action}, ${resource}) ${conditions};`,
    };
  }

  bundle(size: number): { id: string; text: string }[] {
    return Array.from({ length: size }, (_, index) => this.policy(`p${index}`));
  }

  private maybe(attributes: Record<string, CedarValueJson>, name: string, value: () => CedarValueJson): void {
    if (this.next() < 0.6) attributes[name] = value();
  }

  private set(): string[] {
    return [...new Set(Array.from({ length: Math.floor(this.next() * 3) }, () => this.pick([...WORDS, 'zebra'])))];
  }

  request(): EngineRequest {
    const principalType = this.pick(['User', 'Agent']);
    const principal: Record<string, CedarValueJson> = {};
    this.maybe(principal, 'trust', () => this.pick(LONGS));
    if (principalType === 'Agent') this.maybe(principal, 'owner', () => this.pick([...WORDS, 'zebra']));
    else this.maybe(principal, 'role', () => this.pick(WORDS));
    const resourceType = this.pick(['Model', 'Tool', 'Dataset', 'Document', 'Channel']);
    const resource: Record<string, CedarValueJson> = {};
    if (resourceType === 'Tool') {
      this.maybe(resource, 'risk', () => this.pick(LONGS));
      this.maybe(resource, 'destructive', () => this.next() < 0.5);
      this.maybe(resource, 'data_classification', () => this.pick(WORDS));
    }
    return {
      principal: { type: principalType, id: this.pick(['u1', 'a1', 'zebra']), attributes: principal },
      action: this.pick(ACTIONS),
      resource: { type: resourceType, id: this.pick(['t1', 'm1']), attributes: resource },
      context: {
        pii: this.set(),
        secrets: this.next() < 0.5,
        injection_score: this.pick(LONGS),
        keyword_lists: this.set(),
        unsafe_categories: this.set(),
        tool: this.pick([...WORDS, 'zebra']),
        human_approved: this.next() < 0.5,
        data_classification: this.pick([...WORDS, 'zebra']),
        risk: this.pick(LONGS),
        decision_inputs: this.set(),
        prior_tools: this.set(),
        prior_findings: this.set(),
        tokens_24h: this.pick([0, 1, 199_999, 200_000, 200_001]),
        requests_24h: this.pick(LONGS.filter((value) => value >= 0)),
        session_tokens: this.pick([0, 1, 49_999, 50_000, 50_001]),
      },
    };
  }
}

/**
 * The same policies in reverse order, every `when { X }` written as `unless { !(X) }` — equivalent, including when X
 * errors — so an equivalence check has real work to do.
 */
export function rewrittenCopy(policies: readonly { id: string; text: string }[]): { id: string; text: string }[] {
  return [...policies].reverse().map(({ id, text }) => ({
    id,
    text: text.replace(/when \{ (.*?) \}(?= (?:when|unless) \{|;$)/g, 'unless { !($1) }'),
  }));
}
