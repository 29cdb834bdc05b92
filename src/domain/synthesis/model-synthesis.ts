import type { PrincipleContent } from '../constitution/types.js';
import type { PolicyText } from '../verify/questions.js';
import { candidatePolicies, cedarIn } from './candidate.js';
import type { GeneratedBy } from './compiler.js';
import type { Diagnostic } from './diagnostics.js';
import type { ChatModel } from './chat-model.js';
import { synthesisPrompt, type PromptInput } from './prompts.js';
import { repairLoop, type Attempt } from './repair-loop.js';
import type { PromptStrategy } from './strategies.js';

/** What verification says about a candidate: `verified`, or why not; `inconclusive` ends the loop (fail closed). */
export type CandidateVerdict = 'verified' | 'rejected' | 'inconclusive';

export interface CandidateCheck {
  verdict: CandidateVerdict;
  diagnostics: Diagnostic[];
  report: Record<string, unknown>;
}

/** The port that decides whether candidate policies implement a principle. */
export type CandidateChecker = (
  principle: PrincipleContent,
  policies: readonly PolicyText[],
) => Promise<CandidateCheck>;

export type { Attempt, AttemptVerdict } from './repair-loop.js';

export type ModelSynthesis =
  | { outcome: 'verified'; policies: PolicyText[]; report: Record<string, unknown>; attempts: Attempt[] }
  | { outcome: 'failed'; reason: string; attempts: Attempt[] };

/**
 * LLM synthesis for one principle: the constitutional prompt, then parse → validate → verify each reply, and on
 * rejection a repair prompt carrying the exact diagnostics, at most `maxAttempts` replies. A reply is kept only when
 * the checker proves it.
 */
export async function synthesiseWithModel(
  input: PromptInput,
  model: ChatModel,
  check: CandidateChecker,
  options: {
    maxAttempts: number;
    generatedBy: GeneratedBy;
    strategy?: PromptStrategy;
    onAttempt?: (attempt: Attempt) => Promise<void>;
  },
): Promise<ModelSynthesis> {
  const strategy = options.strategy ?? 'rules-first';
  const outcome = await repairLoop<PolicyText[]>({
    model,
    prompt: synthesisPrompt(input, strategy),
    strategy,
    maxAttempts: options.maxAttempts,
    extract: cedarIn,
    onAttempt: options.onAttempt,
    judge: async (cedarText) => {
      const parsed = candidatePolicies(cedarText, input.principle.key, options.generatedBy);
      if ('diagnostics' in parsed) return { verdict: 'invalid', diagnostics: parsed.diagnostics };
      const checked = await check(input.principle, parsed.policies);
      if (checked.verdict === 'verified')
        return { verdict: 'verified', value: parsed.policies, report: checked.report };
      const invalid = checked.diagnostics.some((d) => d.kind === 'cedar');
      return {
        verdict: checked.verdict === 'inconclusive' ? 'inconclusive' : invalid ? 'invalid' : 'rejected',
        diagnostics: checked.diagnostics,
      };
    },
  });
  return outcome.outcome === 'verified'
    ? { outcome: 'verified', policies: outcome.value, report: outcome.report, attempts: outcome.attempts }
    : outcome;
}
