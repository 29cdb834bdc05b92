import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { check, reclaimedAwaitingRelease, stopZ3, z3Context } from '../../src/domain/verify/z3.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

after(() => stopZ3());

describe('Z3 objects the garbage collector reclaims', () => {
  it('are given back to Z3 only when no check is running on its thread', async () => {
    const z = await z3Context();
    // A check that runs for a while: (2^31−1)² has no factors a < b other than 1, which bit-blasting has to show.
    const solver = new z.Solver();
    const [a, b] = [z.BitVec.const('a', 64), z.BitVec.const('b', 64)];
    solver.add(a.mul(b).eq(z.BitVec.val(4_611_686_014_132_420_609n, 64)), a.ugt(1), b.ugt(1), a.ult(b));
    // Made before the check: no Z3 call may be made while it runs, which is what this guards.
    let garbage: unknown[] | null = Array.from({ length: 5000 }, (_, i) => z.Int.const(`garbage${i}`).add(i));
    let finished = false;
    const running = check(solver).finally(() => (finished = true));
    garbage = null;
    let heldBack = 0;
    for (let round = 0; round < 50 && heldBack === 0 && !finished; round++) {
      gc();
      await sleep(20);
      if (!finished) heldBack = reclaimedAwaitingRelease();
    }
    assert.equal(garbage, null);
    assert.ok(heldBack > 0, 'objects reclaimed while the check ran waited for it to end');
    // Z3_interrupt is the one call made to stop a running check from another thread.
    z.interrupt();
    await running;
    assert.equal(reclaimedAwaitingRelease(), 0, 'and were given back when it ended');
  });
});

describe('every Z3 check', () => {
  it('goes through check() in src/domain/verify/z3.ts, the one place that holds reclaimed objects back', () => {
    const root = new URL('../../src/', import.meta.url).pathname;
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    const usesZ3 = files.filter((file) =>
      /from '(z3-solver|[./]+(domain\/verify\/)?z3\.js)'/.test(readFileSync(join(root, file), 'utf8')),
    );
    assert.ok(usesZ3.length >= 4, `found ${usesZ3.length} files that use Z3`);
    const direct = usesZ3
      .filter((file) => file !== join('domain', 'verify', 'z3.ts'))
      .flatMap((file) =>
        readFileSync(join(root, file), 'utf8')
          .split('\n')
          .flatMap((line, index) => (/\.check\(/.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : [])),
      );
    assert.deepEqual(direct, []);
  });
});
