import type { PrincipleContent } from '../constitution/types.js';
import type { PolicyText } from '../verify/questions.js';
import { candidatePolicies, cedarIn } from './candidate.js';
import type { GeneratedBy } from './compiler.js';
import { diagnosticLine, type Diagnostic } from './diagnostics.js';
import { promptHash, repairPrompt, synthesisPrompt, type ChatMessage, type PromptInput } from './prompts.js';
import type { PromptStrategy } from './strategies.js';

export interface ChatReply {
  text: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
}

/** A chat-completions model: the port the synthesis loop talks to (an OpenAI-compatible endpoint in production). */
export interface ChatModel {
  readonly model: string;
  readonly temperature: number;
  readonly seed: number | null;
  complete(messages: readonly ChatMessage[]): Promise<ChatReply>;
}

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

export type AttemptVerdict = 'verified' | 'invalid' | 'rejected' | 'inconclusive' | 'model_error';

export interface Attempt {
  attempt: number;
  strategy: PromptStrategy;
  promptHash: string;
  model: string;
  temperature: number;
  seed: number | null;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  output: string;
  diagnostics: Diagnostic[];
  verdict: AttemptVerdict;
}

export type ModelSynthesis =
  | { outcome: 'verified'; policies: PolicyText[]; report: Record<string, unknown>; attempts: Attempt[] }
  | { outcome: 'failed'; reason: string; attempts: Attempt[] };

/**
 * LLM synthesis for one principle: the constitutional prompt, then parse → validate → verify each reply, and on
 * rejection a repair prompt carrying the exact diagnostics, at most `maxAttempts` replies. A reply is kept only when
 * the checker proves it; a model that cannot be reached, or a verifier that cannot decide, ends the loop as a
 * failure with its reason. Every attempt is reported to `onAttempt` as it finishes.
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
  const attempts: Attempt[] = [];
  const strategy = options.strategy ?? 'rules-first';
  let conversation = synthesisPrompt(input, strategy);
  let previous: string | null = null;
  const record = async (attempt: Attempt) => {
    attempts.push(attempt);
    await options.onAttempt?.(attempt);
  };
  for (let number = 1; number <= options.maxAttempts; number += 1) {
    const base = {
      attempt: number,
      strategy,
      promptHash: promptHash(conversation),
      model: model.model,
      temperature: model.temperature,
      seed: model.seed,
    };
    let reply: ChatReply;
    try {
      reply = await model.complete(conversation);
    } catch (error) {
      const message = `the model could not be reached: ${(error as Error).message}`;
      await record({
        ...base,
        promptTokens: 0,
        completionTokens: 0,
        latencyMs: 0,
        output: '',
        diagnostics: [{ kind: 'check', message }],
        verdict: 'model_error',
      });
      return { outcome: 'failed', reason: message, attempts };
    }
    const measured = {
      ...base,
      promptTokens: reply.promptTokens,
      completionTokens: reply.completionTokens,
      latencyMs: reply.latencyMs,
      output: reply.text,
    };
    const cedarText = cedarIn(reply.text);
    const parsed = candidatePolicies(cedarText, input.principle.key, options.generatedBy);
    let diagnostics: Diagnostic[];
    let verdict: AttemptVerdict;
    if ('diagnostics' in parsed) {
      diagnostics = parsed.diagnostics;
      verdict = 'invalid';
    } else if (previous !== null && cedarText === previous) {
      diagnostics = [{ kind: 'check', message: 'the reply repeats the policies already rejected; change them' }];
      verdict = 'rejected';
    } else {
      const checked = await check(input.principle, parsed.policies);
      if (checked.verdict === 'verified') {
        await record({ ...measured, diagnostics: [], verdict: 'verified' });
        return { outcome: 'verified', policies: parsed.policies, report: checked.report, attempts };
      }
      diagnostics = checked.diagnostics;
      verdict =
        checked.verdict === 'inconclusive'
          ? 'inconclusive'
          : checked.diagnostics.some((d) => d.kind === 'cedar')
            ? 'invalid'
            : 'rejected';
      if (checked.verdict === 'inconclusive') {
        await record({ ...measured, diagnostics, verdict });
        return {
          outcome: 'failed',
          reason: `verification was inconclusive: ${diagnostics.map(diagnosticLine).join('; ')}`,
          attempts,
        };
      }
    }
    await record({ ...measured, diagnostics, verdict });
    previous = cedarText;
    conversation = repairPrompt(conversation, reply.text, diagnostics);
  }
  const last = attempts[attempts.length - 1]!;
  return {
    outcome: 'failed',
    reason: `no verified policy after ${options.maxAttempts} attempts; last: ${last.diagnostics.map(diagnosticLine).join('; ')}`,
    attempts,
  };
}
