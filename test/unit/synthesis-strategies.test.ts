import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../src/domain/seeded-random.js';
import {
  betaWhole,
  chooseStrategy,
  posteriorMean,
  type StrategyRecord,
} from '../../src/domain/synthesis/strategies.js';

const picks = (records: StrategyRecord[], draws: number, seed: number) => {
  const random = seededRandom(seed);
  const counts: Record<string, number> = { 'rules-first': 0, 'examples-first': 0 };
  for (let i = 0; i < draws; i += 1) counts[chooseStrategy(records, random)]! += 1;
  return counts;
};

describe('prompt strategy selection (Thompson sampling)', () => {
  it('draws Beta(a, b) with mean a / (a + b)', () => {
    const random = seededRandom(11);
    for (const [a, b] of [
      [1, 1],
      [3, 7],
      [20, 2],
    ] as const) {
      const draws = Array.from({ length: 4000 }, () => betaWhole(a, b, random));
      const mean = draws.reduce((sum, x) => sum + x, 0) / draws.length;
      assert.ok(Math.abs(mean - a / (a + b)) < 0.02, `Beta(${a}, ${b}) mean ${mean}`);
      assert.ok(draws.every((x) => x > 0 && x < 1));
    }
  });

  it('without evidence tries both strategies about equally', () => {
    const counts = picks([], 2000, 5);
    assert.ok(counts['rules-first']! > 850 && counts['examples-first']! > 850, JSON.stringify(counts));
  });

  it('favours the strategy whose first replies verify, and keeps exploring while the evidence is thin', () => {
    const strong: StrategyRecord[] = [
      { strategy: 'rules-first', trials: 20, firstValid: 20, firstVerified: 18 },
      { strategy: 'examples-first', trials: 20, firstValid: 12, firstVerified: 4 },
    ];
    const decided = picks(strong, 2000, 9);
    assert.ok(decided['rules-first']! > 1980, JSON.stringify(decided));
    const thin: StrategyRecord[] = [
      { strategy: 'rules-first', trials: 2, firstValid: 2, firstVerified: 1 },
      { strategy: 'examples-first', trials: 1, firstValid: 0, firstVerified: 0 },
    ];
    const exploring = picks(thin, 2000, 9);
    assert.ok(
      exploring['examples-first']! > 300 && exploring['rules-first']! > exploring['examples-first']!,
      JSON.stringify(exploring),
    );
  });

  it('reports the posterior mean of a first reply verifying', () => {
    assert.equal(posteriorMean({ strategy: 'rules-first', trials: 0, firstValid: 0, firstVerified: 0 }), 0.5);
    assert.equal(posteriorMean({ strategy: 'rules-first', trials: 8, firstValid: 8, firstVerified: 8 }), 0.9);
  });
});
