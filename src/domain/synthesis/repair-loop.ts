import { diagnosticLine, type Diagnostic } from './diagnostics.js';
import type { ChatModel, ChatReply } from './chat-model.js';
import { promptHash, repairPrompt, type ChatMessage } from './prompts.js';
import type { PromptStrategy } from './strategies.js';

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

/** What the caller's judge says of one reply: kept, or why not (`inconclusive` ends the loop: fail closed). */
export type Judgement<T> =
  | { verdict: 'verified'; value: T; report: Record<string, unknown> }
  | { verdict: 'invalid' | 'rejected' | 'inconclusive'; diagnostics: Diagnostic[] };

export type LoopOutcome<T> =
  | { outcome: 'verified'; value: T; report: Record<string, unknown>; attempts: Attempt[] }
  | { outcome: 'failed'; reason: string; attempts: Attempt[] };

/**
 * Ask, judge, repair: the model's reply is judged (parse, validate, verify — the caller's), and a rejected one is
 * answered with a repair prompt carrying every diagnostic, at most `maxAttempts` replies. A reply whose `extract`ed
 * answer repeats a rejected one is rejected as such. A model that cannot be reached, or a judge that cannot decide,
 * ends the loop as a failure with its reason; every attempt is reported to `onAttempt` as it finishes.
 */
export async function repairLoop<T>(params: {
  model: ChatModel;
  prompt: ChatMessage[];
  strategy: PromptStrategy;
  maxAttempts: number;
  extract: (reply: string) => string;
  judge: (answer: string) => Promise<Judgement<T>>;
  onAttempt?: (attempt: Attempt) => Promise<void>;
}): Promise<LoopOutcome<T>> {
  const { model } = params;
  const attempts: Attempt[] = [];
  let conversation = params.prompt;
  let previous: string | null = null;
  const record = async (attempt: Attempt) => {
    attempts.push(attempt);
    await params.onAttempt?.(attempt);
  };
  for (let number = 1; number <= params.maxAttempts; number += 1) {
    const base = {
      attempt: number,
      strategy: params.strategy,
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
    const answer = params.extract(reply.text);
    const judged: Judgement<T> =
      previous !== null && answer === previous
        ? {
            verdict: 'rejected',
            diagnostics: [{ kind: 'check', message: 'the reply repeats the answer already rejected; change it' }],
          }
        : await params.judge(answer);
    if (judged.verdict === 'verified') {
      await record({ ...measured, diagnostics: [], verdict: 'verified' });
      return { outcome: 'verified', value: judged.value, report: judged.report, attempts };
    }
    await record({ ...measured, diagnostics: judged.diagnostics, verdict: judged.verdict });
    if (judged.verdict === 'inconclusive')
      return {
        outcome: 'failed',
        reason: `verification was inconclusive: ${judged.diagnostics.map(diagnosticLine).join('; ')}`,
        attempts,
      };
    previous = answer;
    conversation = repairPrompt(conversation, reply.text, judged.diagnostics);
  }
  const last = attempts[attempts.length - 1]!;
  return {
    outcome: 'failed',
    reason: `no verified answer after ${params.maxAttempts} attempts; last: ${last.diagnostics.map(diagnosticLine).join('; ')}`,
    attempts,
  };
}
