import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  DECISION_REASON_CODES,
  ERROR_CODES,
  isErrorCode,
  JOB_FAILURE_CODES,
  SDK_ERROR_CODES,
} from '../../src/domain/error-codes.js';
import { renderErrorCodesDoc } from '../../src/operations/error-codes-doc.js';

const SRC = new URL('../../src/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The argument text of every `new XxxError(…)` call, parentheses balanced. */
function errorConstructions(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/new (\w*Error)\(/g)) {
    if (['Error', 'ConfigError', 'BackupError', 'TypeError', 'RangeError'].includes(match[1]!)) continue;
    let depth = 0;
    let end = match.index! + match[0].length - 1;
    for (; end < text.length; end += 1) {
      if (text[end] === '(') depth += 1;
      else if (text[end] === ')' && (depth -= 1) === 0) break;
    }
    found.push(text.slice(match.index! + match[0].length, end));
  }
  return found;
}

describe('the error code registry', () => {
  const files = sources(SRC).filter((file) => !file.endsWith('error-codes.ts'));
  const code = files.map((file) => readFileSync(file, 'utf8')).join('\n');

  it('declares every code the source throws, returns or renders', () => {
    const thrown = new Set<string>();
    for (const args of errorConstructions(code))
      for (const literal of args.matchAll(/'([A-Z][A-Z0-9_]{2,})'/g)) thrown.add(literal[1]!);
    for (const literal of code.matchAll(/(?:code|errorCode|error_code): '([A-Z][A-Z0-9_]{2,})'/g))
      thrown.add(literal[1]!);
    const reasons = new Set([
      ...Object.keys(DECISION_REASON_CODES),
      ...Object.keys(SDK_ERROR_CODES),
      ...Object.keys(JOB_FAILURE_CODES),
    ]);
    assert.deepEqual([...thrown].filter((found) => !isErrorCode(found) && !reasons.has(found)).sort(), []);
    assert.ok(thrown.size > 60, `found ${thrown.size} codes in the source`);
  });

  it('declares no code that nothing uses', () => {
    assert.deepEqual(
      Object.keys(ERROR_CODES).filter((declared) => !code.includes(`'${declared}'`)),
      [],
    );
  });

  it('is documented: docs/errors.md is what `acgs errors doc` renders from it', () => {
    const documented = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    assert.equal(
      documented,
      renderErrorCodesDoc(),
      'docs/errors.md is stale: run `acgs errors doc --out docs/errors.md`',
    );
    for (const declared of Object.keys(ERROR_CODES)) assert.ok(documented.includes(`\`${declared}\``), declared);
  });
});
