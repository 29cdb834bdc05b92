// Synthesis benchmarks: the compiler per principle (the starter constitution and a large generated one), and one LLM
// synthesis end to end — prompt, a scripted reply over HTTP in the OpenAI wire protocol, parse, validate, verify —
// so the cost the platform adds to the model's own latency is known.
import { STARTER_PRINCIPLES } from '../src/domain/constitution/starter.js';
import type { PrincipleContent } from '../src/domain/constitution/types.js';
import { GOVERNANCE_SCHEMA } from '../src/domain/policy/governance-schema.js';
import { schemaShape } from '../src/domain/policy/schema-shape.js';
import { compilePrinciples } from '../src/domain/synthesis/compiler.js';
import { synthesiseWithModel } from '../src/domain/synthesis/model-synthesis.js';
import { starterPolicies } from '../src/domain/synthesis/starter-bundle.js';
import { OpenAiChatModel } from '../src/platform/llm/openai-chat-model.js';
import { LazySolverPool } from '../src/platform/solver/shared.js';
import { candidateChecker } from '../src/services/gs/candidate-checker.js';
import { fakeLlmServer } from '../test/support/fake-llm.js';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const SHAPE = schemaShape(GOVERNANCE_SCHEMA);

/** `count` principles like the starter ones, each with its own literals so no two compile alike. */
function generated(count: number): PrincipleContent[] {
  const withConstraints = STARTER_PRINCIPLES.filter((principle) => principle.constraints.length > 0);
  return Array.from({ length: count }, (_, index) => {
    const base = withConstraints[index % withConstraints.length]!;
    return {
      ...base,
      key: `${base.key}-${index}`,
      constraints: base.constraints.map((constraint) => ({
        ...constraint,
        when: [...(constraint.when ?? []), { attr: 'context.tool', op: 'neq' as const, value: `tool-${index}` }],
      })),
    };
  });
}

function compileTimes(principles: readonly PrincipleContent[], rounds: number): number[] {
  return Array.from({ length: rounds }, () => {
    const started = performance.now();
    compilePrinciples(principles, SHAPE);
    return performance.now() - started;
  });
}

export async function synthesisBenchmarks(): Promise<void> {
  console.log('\n== Synthesis ==');
  const withConstraints = STARTER_PRINCIPLES.filter((principle) => principle.constraints.length > 0).length;
  const starter = median(compileTimes(STARTER_PRINCIPLES, 30));
  console.log(
    `compile the starter constitution (${withConstraints} principles with constraints): median of 30 ${starter.toFixed(2)} ms, ${(starter / withConstraints).toFixed(3)} ms per principle`,
  );
  const large = generated(500);
  const big = median(compileTimes(large, 5));
  console.log(
    `compile 500 generated principles: median of 5 ${big.toFixed(1)} ms, ${(big / 500).toFixed(3)} ms per principle`,
  );

  const llm = await fakeLlmServer();
  const solver = new LazySolverPool({ workers: 1, rlimit: 20_000_000, queryTimeoutMs: 30_000, taskTimeoutMs: 600_000 });
  try {
    const model = new OpenAiChatModel({
      baseUrl: llm.url,
      apiKey: 'llm-key',
      model: 'scripted',
      timeoutMs: 10_000,
      maxRetries: 0,
      temperature: 0,
      seed: null,
    });
    const rest = Object.entries(starterPolicies())
      .filter(([id]) => !id.startsWith('human-approval-for-high-risk-tools.'))
      .map(([id, text]) => ({ id, text }));
    const principle = STARTER_PRINCIPLES.find((p) => p.key === 'human-approval-for-high-risk-tools')!;
    const check = candidateChecker(
      solver,
      { schema: GOVERNANCE_SCHEMA, rest, principles: STARTER_PRINCIPLES },
      () => {},
    );
    const reply = `\`\`\`cedar\n${starterPolicies()['human-approval-for-high-risk-tools.1']!}\n\`\`\``;
    const times: number[] = [];
    let checks = 0;
    for (let round = 0; round < 11; round += 1) {
      llm.script([{ content: reply }]);
      const started = performance.now();
      const outcome = await synthesiseWithModel(
        { principle, schema: GOVERNANCE_SCHEMA, inForce: rest, examples: [] },
        model,
        async (p, policies) => {
          checks += 1;
          return check(p, policies);
        },
        { maxAttempts: 1, generatedBy: 'llm' },
      );
      if (outcome.outcome !== 'verified') throw new Error(`bench synthesis failed: ${outcome.reason}`);
      // The first round starts the solver worker; it is reported apart.
      times.push(performance.now() - started);
    }
    console.log(
      `LLM synthesis of one principle, reply verified first time (scripted server, ${checks} checks): first ${times[0]!.toFixed(0)} ms (solver start included), then median of 10 ${median(times.slice(1)).toFixed(0)} ms`,
    );
  } finally {
    await solver.close();
    await llm.close();
  }
}
