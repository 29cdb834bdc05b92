import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coveredBy, type Finding } from '../../src/domain/detectors/finding.js';
import { runDetectors } from '../../src/domain/detectors/run.js';
import { adversarial, ADVERSARIAL_UNITS } from '../support/adversarial-content.js';

const SMALL = 8 * 1024;
const LARGE = 64 * 1024;
const GROWTH_LIMIT = 24;

/** The least of a few runs (what the scan costs, without the machine's pauses); stops once one is fast enough. */
function cost(text: string, enough = 0): number {
  let best = Infinity;
  for (let run = 0; run < 5 && best > enough; run += 1) {
    const started = performance.now();
    runDetectors(text);
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

// A growth ratio, not a time bound: 8× the content costs about 8× when the scan is linear and 64× when it is
// quadratic, however fast the machine. The absolute figures for 256 KiB are the benchmark's (bench/detectors.ts).
// A shape over the limit is measured again (up to three rounds): a busy machine can stall one round of a linear scan,
// while a quadratic one is over the limit in every round.
test('every detector scales linearly on adversarial content', () => {
  const quadratic: string[] = [];
  for (const [name, unit] of Object.entries(ADVERSARIAL_UNITS)) {
    const rounds: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      const small = Math.max(cost(adversarial(unit, SMALL)), 0.2);
      const large = cost(adversarial(unit, LARGE), small * 8);
      if (large / small <= GROWTH_LIMIT) break;
      rounds.push(`${small.toFixed(1)} ms → ${large.toFixed(1)} ms`);
    }
    if (rounds.length === 3) quadratic.push(`${name}: ${rounds.join(', ')}`);
  }
  assert.deepEqual(quadratic, []);
});

test('coveredBy answers containment and overlap against the union of findings', () => {
  const finding = (start: number, end: number): Finding => ({ detector: 'pii', kind: 'x', start, end, confidence: 1 });
  const findings = [finding(20, 30), finding(0, 5), finding(4, 10)];
  const inside = coveredBy(findings);
  assert.equal(inside(1, 9), true);
  assert.equal(inside(21, 30), true);
  assert.equal(inside(9, 11), false);
  assert.equal(inside(12, 15), false);
  assert.equal(inside(19, 22), false);
  const overlaps = coveredBy(findings, true);
  assert.equal(overlaps(9, 11), true);
  assert.equal(overlaps(10, 20), false);
  assert.equal(overlaps(29, 40), true);
  assert.equal(overlaps(30, 40), false);
  assert.equal(coveredBy([])(0, 1), false);
});
