import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readMigrations, splitStatements } from '../../src/platform/db/migrate.js';

describe('migration statements', () => {
  it('split on semicolons that end a line, dropping whole-line comments', () => {
    assert.deepEqual(splitStatements('-- why\nCREATE TABLE a (x int);\n\nALTER TABLE a ADD y int;  \n'), [
      'CREATE TABLE a (x int)',
      'ALTER TABLE a ADD y int',
    ]);
  });

  it('keep a dollar-quoted body whole, whatever its lines end with', () => {
    const sql = [
      'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$',
      'BEGIN',
      '  -- a comment inside the body stays',
      "  PERFORM 'not $$ a quote';",
      '  RETURN 1;',
      'END',
      '$body$;',
      'SELECT f();',
    ].join('\n');
    const statements = splitStatements(sql);
    assert.equal(statements.length, 2);
    assert.match(statements[0]!, /^CREATE FUNCTION[\s\S]*-- a comment inside[\s\S]*RETURN 1;\nEND\n\$body\$$/);
    assert.equal(statements[1], 'SELECT f()');
  });

  it('leave no statement of a shipped migration split inside a body', async () => {
    for (const migration of await readMigrations()) {
      for (const statement of splitStatements(migration.sql)) {
        const quotes = statement.match(/\$[A-Za-z_]*\$/g) ?? [];
        assert.equal(quotes.length % 2, 0, `${migration.version}: unbalanced dollar quote in ${statement}`);
      }
    }
  });
});
