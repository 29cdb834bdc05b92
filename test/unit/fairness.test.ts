import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FAIRNESS_DEFAULTS,
  FairnessInputError,
  fairnessReport,
  type Outcome,
} from '../../src/domain/verify/fairness.js';

/** `n` outcomes of `group`, the first `favourable` of them favourable; labels: the first `deserving` deserve it. */
function group(name: string, n: number, favourable: number, labels?: { deserving: number; favouredDeserving: number }) {
  return Array.from({ length: n }, (_, i): Outcome => {
    if (labels === undefined) return { group: name, favourable: i < favourable };
    // The deserving come first; `favouredDeserving` of them are favoured, the rest of the favoured are undeserving.
    const deserving = i < labels.deserving;
    const favoured = deserving
      ? i < labels.favouredDeserving
      : i - labels.deserving < favourable - labels.favouredDeserving;
    return { group: name, favourable: favoured, label: deserving };
  });
}
const options = { ...FAIRNESS_DEFAULTS, resamples: 2000, seed: 7 };

describe('fairness metrics against hand-computed values', () => {
  it('60 % vs 30 % selected: parity difference 0.3, impact ratio 0.5, the four-fifths rule fails', () => {
    const report = fairnessReport([...group('a', 100, 60), ...group('b', 100, 30)], options);
    assert.deepEqual(
      report.groups.map((g) => [g.group, g.n, g.favourable, g.selection_rate]),
      [
        ['a', 100, 60, 0.6],
        ['b', 100, 30, 0.3],
      ],
    );
    assert.ok(Math.abs(report.demographic_parity_difference.value - 0.3) < 1e-12);
    assert.equal(report.disparate_impact_ratio.value, 0.5);
    const [low, high] = report.disparate_impact_ratio.ci;
    assert.ok(low < 0.5 && 0.5 < high && high < 0.8, `CI ${low}–${high} holds 0.5 and stays under 0.8`);
    assert.equal(report.disparate_impact_ratio.four_fifths_rule, 'fails');
    assert.equal(report.equal_opportunity_difference, null, 'no labels, no equal opportunity');
    assert.equal(report.verdict, 'violated');
  });

  it('equal rates on large groups pass; on small groups the interval straddles 0.8 and the verdict is inconclusive', () => {
    const large = fairnessReport([...group('a', 2000, 1000), ...group('b', 2000, 1000)], options);
    assert.equal(large.disparate_impact_ratio.value, 1);
    assert.equal(large.disparate_impact_ratio.four_fifths_rule, 'passes');
    assert.equal(large.verdict, 'holds');
    const small = fairnessReport([...group('a', 40, 20), ...group('b', 40, 16)], options);
    assert.equal(small.disparate_impact_ratio.value, 0.8);
    assert.equal(small.disparate_impact_ratio.four_fifths_rule, 'undecided');
    assert.equal(small.verdict, 'inconclusive', 'a point estimate on the line is not a pass');
  });

  it('equal opportunity: true-positive rates 0.9 vs 0.5 differ by 0.4, over the 0.1 limit', () => {
    const report = fairnessReport(
      [
        ...group('a', 200, 100, { deserving: 100, favouredDeserving: 90 }),
        ...group('b', 200, 100, { deserving: 100, favouredDeserving: 50 }),
      ],
      options,
    );
    assert.deepEqual(
      report.groups.map((g) => [g.positives, g.true_positive_rate]),
      [
        [100, 0.9],
        [100, 0.5],
      ],
    );
    assert.equal(report.disparate_impact_ratio.value, 1, 'equal selection rates hide it');
    assert.ok(Math.abs(report.equal_opportunity_difference!.value - 0.4) < 1e-12);
    assert.equal(report.equal_opportunity_difference!.within_limit, 'no');
    assert.equal(report.verdict, 'violated');
  });

  it('is reproducible by seed, and everyone favoured has a zero-width interval', () => {
    const outcomes = [...group('a', 100, 60), ...group('b', 100, 45)];
    assert.deepEqual(fairnessReport(outcomes, options), fairnessReport(outcomes, options));
    assert.notDeepEqual(
      fairnessReport(outcomes, options).disparate_impact_ratio.ci,
      fairnessReport(outcomes, { ...options, seed: 8 }).disparate_impact_ratio.ci,
    );
    const all = fairnessReport([...group('a', 50, 50), ...group('b', 50, 50)], options);
    assert.deepEqual(all.disparate_impact_ratio.ci, [1, 1]);
    assert.deepEqual(all.demographic_parity_difference.ci, [0, 0]);
  });

  it('refuses what cannot be answered: one group, a group too small, labels on some only, a group without deserving', () => {
    const refuses = (outcomes: Outcome[], pattern: RegExp) =>
      assert.throws(
        () => fairnessReport(outcomes, options),
        (error: unknown) => error instanceof FairnessInputError && pattern.test(error.message),
      );
    refuses(group('a', 100, 50), /compares groups: found 1/);
    refuses([...group('a', 100, 50), ...group('b', 12, 6)], /smaller than 30 say nothing: b \(12\)/);
    refuses(
      [...group('a', 100, 50), ...group('b', 100, 50, { deserving: 50, favouredDeserving: 25 })],
      /label every outcome or none/,
    );
    refuses(
      [
        ...group('a', 100, 50, { deserving: 50, favouredDeserving: 25 }),
        ...group('b', 100, 50, { deserving: 0, favouredDeserving: 0 }),
      ],
      /none in b/,
    );
  });
});
