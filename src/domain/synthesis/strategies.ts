/** The prompt templates synthesis can use; each frames the same facts differently (see prompts.ts). */
export const PROMPT_STRATEGIES = ['rules-first', 'examples-first'] as const;
export type PromptStrategy = (typeof PROMPT_STRATEGIES)[number];

/** How a strategy's first replies went: those that parsed and validated, and those that also verified. */
export interface StrategyRecord {
  strategy: PromptStrategy;
  trials: number;
  firstValid: number;
  firstVerified: number;
}

/** A Gamma(k, 1) draw for a whole k ≥ 1: the sum of k exponential draws. */
function gammaWhole(k: number, random: () => number): number {
  let sum = 0;
  // 1 - random() is in (0, 1], so the logarithm is finite.
  for (let i = 0; i < k; i += 1) sum -= Math.log(1 - random());
  return sum;
}

/** A Beta(a, b) draw for whole a, b ≥ 1, as X / (X + Y) of two Gamma draws. */
export function betaWhole(a: number, b: number, random: () => number): number {
  const x = gammaWhole(a, random);
  return x / (x + gammaWhole(b, random));
}

/**
 * Thompson sampling: each strategy's chance that a first reply verifies has a Beta(1 + verified, 1 + not verified)
 * posterior (a uniform prior); one draw from each, and the highest draw is used. Strategies that work get chosen
 * more, and an untried one keeps a fair chance until the evidence is in. A reply that verifies is also valid, so
 * first-attempt verification is the one reward; validity is reported alongside.
 */
export function chooseStrategy(records: readonly StrategyRecord[], random: () => number): PromptStrategy {
  let best: { strategy: PromptStrategy; draw: number } | null = null;
  for (const strategy of PROMPT_STRATEGIES) {
    const record = records.find((candidate) => candidate.strategy === strategy);
    const verified = record?.firstVerified ?? 0;
    const failed = (record?.trials ?? 0) - verified;
    const draw = betaWhole(1 + verified, 1 + failed, random);
    if (best === null || draw > best.draw) best = { strategy, draw };
  }
  return best!.strategy;
}

/** The posterior mean chance that a first reply verifies, as the statistics report it. */
export const posteriorMean = (record: StrategyRecord): number => (1 + record.firstVerified) / (2 + record.trials);
