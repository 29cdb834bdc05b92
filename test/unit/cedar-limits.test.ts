import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withContextDefaults } from '../../src/domain/enforcement/decide.js';
import { PolicyEngine } from '../../src/domain/enforcement/engine.js';
import { AppError } from '../../src/domain/errors.js';
import { assembleBundle, bundleHash } from '../../src/domain/policy/bundle.js';
import { assertCedarBounded, CEDAR_LIMITS, cedarBoundProblem } from '../../src/domain/policy/cedar-bounds.js';
import { cedar, validatePolicies } from '../../src/domain/policy/cedar.js';
import { CedarRuntime, toolsCedar } from '../../src/domain/policy/cedar-runtime.js';
import { GOVERNANCE_SCHEMA } from '../../src/domain/policy/governance-schema.js';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';

const policy = (condition: string) => `permit (principal, action, resource) when { ${condition} };`;

/** Conditions of each shape that deepens Cedar's expression tree, `n` levels deep. */
const SHAPES: Record<string, (n: number) => string> = {
  parentheses: (n) => `${'('.repeat(n)}true${')'.repeat(n)}`,
  sets: (n) => `${'['.repeat(n)}1${']'.repeat(n)} == [1]`,
  records: (n) => `${'{a:'.repeat(n)}1${'}'.repeat(n)} == {a:1}`,
  'if chains': (n) => `${'if true then '.repeat(n)}true${' else false'.repeat(n)}`,
  'plus chains': (n) => `${Array(n).fill('1').join(' + ')} == 1`,
  'and chains': (n) => Array(n).fill('context.risk > 1').join(' && '),
  'or chains': (n) => Array(n).fill('context.risk == 1').join(' || '),
  'attribute chains': (n) => `context.risk${' + context.risk'.repeat(n)} > 1`,
};

/** Every way Cedar reads a policy: parse, strict validation, JSON, and a decision. */
function exerciseCedar(text: string): void {
  cedar.checkParsePolicySet({ staticPolicies: { p: text } });
  validatePolicies({ p: text }, GOVERNANCE_SCHEMA);
  cedar.policyToJson(text);
  cedar.isAuthorized({
    principal: { type: 'Agent', id: 'a' },
    action: { type: 'Action', id: 'generate' },
    resource: { type: 'Model', id: 'm' },
    context: { risk: 1 },
    policies: { staticPolicies: { p: text } },
    entities: [],
  });
}

describe('Cedar from outside is bounded before parsing', () => {
  it('accepts every policy the platform writes', () => {
    for (const [id, text] of Object.entries(starterPolicies())) assert.equal(cedarBoundProblem(text), null, id);
  });

  it('refuses each deepening shape past its limit, naming the field, before Cedar sees it', () => {
    for (const [name, shape] of Object.entries(SHAPES)) {
      const faults = toolsCedar.faults;
      const text = policy(shape(1000));
      assert.throws(
        () => assertCedarBounded(text, 'policy.text'),
        (error: AppError) => error.errorCode === 'POLICY_TOO_COMPLEX' && /^policy\.text: /.test(error.message),
        name,
      );
      assert.throws(
        () => validatePolicies({ p: text }, GOVERNANCE_SCHEMA),
        (error: AppError) => error.errorCode === 'POLICY_TOO_COMPLEX',
        name,
      );
      assert.equal(toolsCedar.faults, faults, `${name}: no instance faulted`);
    }
    assert.match(cedarBoundProblem(policy(SHAPES['parentheses']!(CEDAR_LIMITS.nesting + 1)))!, /nest deeper/);
    assert.equal(cedarBoundProblem(policy(SHAPES['parentheses']!(CEDAR_LIMITS.nesting - 1))), null);
    assert.match(cedarBoundProblem('x'.repeat(CEDAR_LIMITS.textChars + 1))!, /characters/);
  });

  it('counts neither strings nor comments, and counts operators per policy', () => {
    const quoted = `permit (principal, action, resource) when { context.tool == "${'(('.repeat(500)}+ && ||" };`;
    assert.equal(cedarBoundProblem(quoted), null);
    assert.equal(cedarBoundProblem(`// ${'('.repeat(500)}\n${policy('true')}`), null);
    const many = Array.from({ length: 50 }, () => policy(SHAPES['or chains']!(15))).join('\n');
    assert.equal(cedarBoundProblem(many), null, '50 policies of 44 operators each');
  });

  it('keeps every shape at its limits within what Cedar handles without a fault', () => {
    const faults = toolsCedar.faults;
    for (const [name, shape] of Object.entries(SHAPES)) {
      // The deepest each shape may be: within both the nesting and the operator limit.
      let depth = 1;
      while (cedarBoundProblem(policy(shape(depth + 1))) === null) depth += 1;
      assert.doesNotThrow(() => exerciseCedar(policy(shape(depth))), `${name} at depth ${depth}`);
    }
    assert.equal(toolsCedar.faults, faults);
  });
});

describe('a Cedar instance that faults is replaced', () => {
  it('answers the faulting call with an error, then decides again, pre-parsed sets restored', () => {
    const runtime = new CedarRuntime('test');
    const faults: string[] = [];
    runtime.onFault((name, detail) => faults.push(`${name}: ${detail}`));
    const bundle = assembleBundle({
      version: 1,
      constitutionHash: 'c'.repeat(64),
      policies: { allow: 'permit (principal, action, resource);' },
      createdAt: new Date(0),
    });
    const engine = new PolicyEngine(bundle, bundleHash(bundle), undefined, runtime);
    const request = {
      principal: { type: 'Agent', id: 'a' },
      action: 'generate',
      resource: { type: 'Model', id: 'm' },
      context: withContextDefaults({}),
    };
    assert.equal(engine.evaluate(request).decision, 'allow');
    // Straight at the instance, past the bounds: what broke the shared instance for good before.
    for (let attempt = 0; attempt < 2; attempt += 1)
      assert.throws(
        () => runtime.api.checkParsePolicySet({ staticPolicies: { p: policy(SHAPES['parentheses']!(1000)) } }),
        (error: AppError) => error.errorCode === 'POLICY_TOO_COMPLEX' || error.errorCode === 'POLICY_ENGINE_FAULT',
      );
    assert.equal(runtime.faults, 2);
    assert.equal(faults.length, 2);
    assert.equal(engine.readiness(), null);
    assert.equal(engine.evaluate(request).decision, 'allow', 'the engine re-parsed its bundle into the new instance');
    assert.equal(
      runtime.api.checkParsePolicySet({ staticPolicies: { p: policy('true') } }).type,
      'success',
      'the new instance parses',
    );
  });
});
