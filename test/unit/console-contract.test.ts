import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { Nullable, OneOf } from '../../src/platform/http/schemas.js';
import { typeScriptOf, UnprintableSchema } from '../../src/platform/http/typescript-from-schema.js';
import { CONSOLE_CONTRACT, renderConsoleContract } from '../../src/operations/console-contract.js';
import { ERROR_CODES } from '../../src/domain/error-codes.js';

const refName = (id: string) => (id === 'User' ? 'User' : undefined);

describe('TypeScript from the route schemas', () => {
  it('prints objects with required and optional fields, nullable values, unions, arrays and records', () => {
    const schema = Type.Object({
      id: Type.Integer(),
      name: Nullable(Type.String()),
      'odd-key': Type.Optional(Type.Boolean()),
      status: OneOf(['open', 'closed'] as const),
      tags: Type.Array(Type.Union([Type.String(), Type.Number()])),
      counts: Type.Record(Type.String(), Type.Integer()),
      anything: Type.Unknown(),
    });
    assert.equal(
      typeScriptOf(schema, { refName }),
      [
        '{',
        '  id: number;',
        '  name: string | null;',
        '  "odd-key"?: boolean;',
        '  status: "open" | "closed";',
        '  tags: (string | number)[];',
        '  counts: Record<string, number>;',
        '  anything: unknown;',
        '}',
      ].join('\n'),
    );
  });

  it('names references and nested schemas it is told to, and intersects allOf', () => {
    const user = Type.Object({ id: Type.String() }, { $id: 'User' });
    const shared = Type.Object({ at: Type.String() });
    const schema = Type.Object({
      by: Type.Ref(user),
      when: shared,
      both: Type.Intersect([shared, Type.Object({ key: Type.String() })]),
    });
    const text = typeScriptOf(schema, { refName, named: (nested) => (nested === shared ? 'Stamp' : undefined) });
    assert.match(text, /by: User;/);
    assert.match(text, /when: Stamp;/);
    assert.match(text, /both: Stamp & \{\n\s+key: string;\n\s+\};/);
  });

  it('refuses what it cannot print faithfully, naming where, instead of printing unknown', () => {
    assert.throws(
      () => typeScriptOf(Type.Object({ who: Type.Ref('Nobody') }), { refName }),
      (error: unknown) =>
        error instanceof UnprintableSchema && /#\/properties\/who: the reference Nobody/.test(error.message),
    );
    assert.throws(() => typeScriptOf({ type: 'array' }, { refName }), UnprintableSchema);
    assert.throws(() => typeScriptOf({ type: 'bigint' }, { refName }), UnprintableSchema);
  });
});

describe("the console's contract", () => {
  const committed = readFileSync(new URL('../../web/src/api/contract.ts', import.meta.url), 'utf8');

  it("is what `acgs console contract` renders from the services' schemas", () => {
    assert.equal(
      committed,
      renderConsoleContract(),
      'web/src/api/contract.ts is stale: run `acgs console contract --out web/src/api/contract.ts`',
    );
  });

  it('names every entry, every error code and nests entries by name', () => {
    for (const name of Object.keys(CONSOLE_CONTRACT))
      assert.match(committed, new RegExp(`^export type ${name} = `, 'm'));
    for (const code of Object.keys(ERROR_CODES)) assert.ok(committed.includes(`| '${code}'`), code);
    assert.match(committed, /^ {2}principles: PrincipleContent\[\];$/m, 'a constitution version names its principles');
  });
});
