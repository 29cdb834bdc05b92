import { isRedactable } from '../../../domain/detectors/redact.js';
import type { EntityRef } from '../../../domain/enforcement/engine.js';
import type { ClassifierVerdict } from '../../../domain/detectors/moderation.js';
import { AppError } from '../../../domain/errors.js';
import { HeldText, HOLD_BACK_CHARS, RELEASE_STEP_CHARS } from '../../../domain/llm/held-text.js';
import { denialText } from '../enforcement/denial.js';
import type { DecisionResponse, Enforcer } from '../enforcement/enforcer.js';
import { governToolCalls, type ExchangeDecision, type ExchangeOutcome, type ToolCall } from './exchange.js';

/**
 * With a classifier configured, a streamed answer is classified (as far as it has come) each time this many more
 * characters arrive, and nothing is released that the classifier has not seen: fewer calls would hold text longer.
 */
export const CLASSIFY_STEP_CHARS = 512;

/** What the gateway sends an app that asked for a stream: chunks, then the end or an error. */
export type StreamEvent =
  | { type: 'chunk'; data: Record<string, unknown> }
  | { type: 'error'; error: AppError; decisionIds: string[] }
  | { type: 'done' };

/** The exchange a stream belongs to: how it decides (logged), refuses and counts, and the decisions so far. */
export interface StreamExchange {
  /** Our name for the model (`<upstream>/<model>`). */
  model: string;
  /** Who asks, and the model entity, as the completion's decisions name them. */
  principal: EntityRef;
  resource: EntityRef;
  decisions: ExchangeDecision[];
  decide(action: 'respond' | 'tool_call', content: string, tool?: string): Promise<DecisionResponse>;
  refuseAnswer(message: string): Promise<DecisionResponse>;
  count(outcome: ExchangeOutcome): void;
  /** Meters the exchange's tokens: the provider's usage chunk when it sent one, else an estimate from the text. */
  meter(usage: { prompt_tokens?: number; completion_tokens?: number } | undefined, answered: string): Promise<void>;
  upstreamFailed(error: unknown): Promise<void>;
  /** The first answer text was released to the app. */
  firstText(): void;
  /** The app's answer is complete; `since` is when the upstream's was. */
  answered(since: bigint): void;
}

/** One choice of a streamed answer as it comes: its text held back, its tool calls gathered, how it finished. */
interface ChoiceState {
  index: number;
  text: HeldText;
  toolCalls: Map<number, ToolCall>;
  finish: string | null;
  /** Characters the classifier has seen (all of them when none is configured). */
  classified: number;
}

/** Choices' texts joined as one answer is decided (one decision per completion). */
const joined = (texts: string[]) => texts.filter((text) => text !== '').join('\n\n');

interface UpstreamDelta {
  content?: unknown;
  tool_calls?: unknown;
  [field: string]: unknown;
}

/** The answer so far: each choice's held text and gathered tool calls, and what the bundle in force made of it. */
class StreamedAnswer {
  readonly choices = new Map<number, ChoiceState>();
  envelope: Record<string, unknown> = {};
  usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
  /** Why the stream was stopped: the logged decision that forbade the answer. */
  stopped: DecisionResponse | null = null;
  /** Whether the completion's decision is logged (then a hang-up has nothing left to record). */
  decided = false;
  private verdict: ClassifierVerdict | undefined;
  private judged: string | null = null;

  constructor(
    private readonly enforcer: Enforcer,
    private readonly exchange: StreamExchange,
  ) {}

  chunk(choices: object[], extra: Record<string, unknown> = {}): StreamEvent {
    return { type: 'chunk', data: { ...this.envelope, choices, ...extra } };
  }

  /** Takes one upstream event in: text held, tool calls gathered, finish noted; answers the deltas to pass on now. */
  take(event: Record<string, unknown>): Record<string, unknown>[] {
    this.envelope = envelopeOf(event, this.exchange.model);
    if (event['usage'] !== undefined && event['usage'] !== null)
      this.usage = event['usage'] as { prompt_tokens?: number; completion_tokens?: number };
    const out: Record<string, unknown>[] = [];
    for (const raw of Array.isArray(event['choices']) ? (event['choices'] as Record<string, unknown>[]) : []) {
      const state = this.choice(Number.isInteger(raw['index']) ? (raw['index'] as number) : 0);
      const { content, tool_calls: toolCalls, ...rest } = (raw['delta'] ?? {}) as UpstreamDelta;
      if (typeof content === 'string') state.text.add(content);
      if (Array.isArray(toolCalls)) gather(state.toolCalls, toolCalls as Record<string, unknown>[]);
      if (typeof raw['finish_reason'] === 'string') state.finish = raw['finish_reason'];
      // Log probabilities carry the tokens themselves: they would leak what is held back or redacted.
      if (Object.keys(rest).length > 0)
        out.push({ index: state.index, delta: rest, logprobs: null, finish_reason: null });
    }
    return out;
  }

  /** Whether enough is held that a step would release something. */
  get due(): boolean {
    return [...this.choices.values()].some((state) => state.text.held >= HOLD_BACK_CHARS + RELEASE_STEP_CHARS);
  }

  /**
   * Releases what may leave now (everything, once the answer ended), after the classifier (if any) has seen it and
   * the bundle in force allowed what was received so far; answers each choice's released text, or null when the
   * stream must stop (`stopped` says why).
   */
  async step(ended: boolean): Promise<Map<number, string> | null> {
    const all = [...this.choices.values()];
    for (const state of all) state.text.scan();
    const soFar = joined(all.map((state) => state.text.redactedSoFar()));
    const oversized = this.enforcer.contentTooLarge(soFar);
    if (oversized !== null) {
      this.stop(await this.exchange.refuseAnswer(`The answer was withheld: ${oversized}`));
      return null;
    }
    const classifier = this.enforcer.classifier;
    if (
      classifier !== null &&
      soFar !== '' &&
      all.some((state) => ended || state.text.length - state.classified >= CLASSIFY_STEP_CHARS)
    ) {
      this.verdict = await classifier(soFar);
      for (const state of all) state.classified = state.text.length;
    }
    if (!(await this.allows(all, soFar))) return null;
    const released = new Map<number, string>();
    for (const state of all)
      released.set(
        state.index,
        state.text.release(classifier !== null && !ended ? state.classified : state.text.length, ended),
      );
    return released;
  }

  /**
   * Whether the bundle in force allows what was received so far, judged again only when the findings or the
   * classifier's verdict changed; a forbid is logged as the completion's decision (on the text so far as the app
   * would have got it) and stops the stream.
   */
  private async allows(all: ChoiceState[], soFar: string): Promise<boolean> {
    // What the app gets is judged: personal data and secrets are redacted on the way, so they do not count.
    const findings = all.flatMap((state) => state.text.findings()).filter((finding) => !isRedactable(finding));
    const key = JSON.stringify([findings.map((f) => `${f.detector}:${f.kind}`).sort(), this.verdict ?? null]);
    if (key === this.judged) return true;
    this.judged = key;
    const outcome = this.enforcer.judge(
      { principal: this.exchange.principal, action: 'respond', resource: this.exchange.resource },
      findings,
      this.verdict,
    );
    if (outcome.decision === 'allow') return true;
    const logged = await this.exchange.decide('respond', soFar);
    this.decided = true;
    if (logged.decision === 'allow') return true;
    this.stop(logged);
    return false;
  }

  /**
   * The completion's decision, logged before its last text leaves: on the answer as the model gave it, then on what
   * was delivered when that differs (as without streaming). False when it forbids what is still held.
   */
  async decide(): Promise<boolean> {
    const said = this.released;
    this.decided = true;
    if (said === '') return true;
    if (this.original !== said) await this.exchange.decide('respond', this.original);
    const verdict = await this.exchange.decide('respond', said);
    if (verdict.decision === 'allow') return true;
    this.stop(verdict);
    return false;
  }

  private stop(decision: DecisionResponse): void {
    this.stopped = decision;
    this.decided = true;
  }

  /** The final chunk of a stopped stream: every choice ends with the decision that stopped it. */
  refusal(): StreamEvent {
    const reason = `Withheld by ACGS policy — ${denialText(this.stopped!)}`;
    return this.chunk(
      [...this.choices.values()].map((state) => ({
        index: state.index,
        delta: { refusal: reason },
        logprobs: null,
        finish_reason: 'content_filter',
      })),
      { acgs: { decisions: this.exchange.decisions } },
    );
  }

  /** The tool calls each choice proposed, decided: allowed ones in one delta, removed ones named in its refusal. */
  async *toolCalls(): AsyncGenerator<StreamEvent, { finals: object[]; withheld: boolean }> {
    const finals: object[] = [];
    let withheld = false;
    for (const state of this.choices.values()) {
      const proposed = [...state.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
      let finish = state.finish ?? 'stop';
      if (proposed.length > 0) {
        const { kept, refused } = await governToolCalls(proposed, (tool, args) =>
          this.exchange.decide('tool_call', args, tool),
        );
        const delta: Record<string, unknown> = {};
        if (kept.length > 0) delta['tool_calls'] = kept.map((call, index) => ({ index, ...call }));
        if (refused.length > 0) {
          delta['refusal'] = refused.join('\n');
          withheld = true;
          if (kept.length === 0) finish = 'content_filter';
        }
        yield this.chunk([{ index: state.index, delta, logprobs: null, finish_reason: null }]);
      }
      finals.push({ index: state.index, delta: {}, logprobs: null, finish_reason: finish });
    }
    return { finals, withheld };
  }

  /** Whether any released text differs from what the model said (a redaction). */
  get redacted(): boolean {
    return [...this.choices.values()].some((state) => state.text.releasedText !== state.text.original);
  }

  /** Everything the model said so far, as it said it. */
  get original(): string {
    return joined([...this.choices.values()].map((state) => state.text.original));
  }

  /** What was released so far, joined as the completion is decided. */
  get released(): string {
    return joined([...this.choices.values()].map((state) => state.text.releasedText));
  }

  private choice(index: number): ChoiceState {
    let state = this.choices.get(index);
    if (state === undefined) {
      state = {
        index,
        text: new HeldText((text) => this.enforcer.detectHere(text)),
        toolCalls: new Map(),
        finish: null,
        classified: 0,
      };
      this.choices.set(index, state);
    }
    return state;
  }
}

/**
 * Governs a streamed chat completion as it streams. Text is held back (`HOLD_BACK_CHARS`) and released in steps,
 * redacted, each step judged by the bundle in force on everything received (and the classifier's verdicts, when one
 * is configured) before any of it leaves; a forbid ends the stream with a final chunk that names the decision
 * (`finish_reason: "content_filter"`, the reason as the delta's `refusal`), never a silent truncation. Tool calls are
 * gathered whole and decided when the model has finished proposing them. The completion's decision is logged
 * durably before its last chunk is released; an upstream that fails mid-stream still gets the text it sent decided
 * and released, then an error event; an app that hangs up has what it was sent logged.
 */
export async function* governStream(
  enforcer: Enforcer,
  exchange: StreamExchange,
  upstream: AsyncGenerator<Record<string, unknown>, void>,
  signal: AbortSignal,
): AsyncGenerator<StreamEvent, void> {
  const answer = new StreamedAnswer(enforcer, exchange);
  let failure: AppError | null = null;
  let textSent = false;
  let closed = false;
  /**
   * The exchange closed: the provider's stream, what was released decided, the tokens metered. Done before the
   * stream's last events, so the app's next request is decided on totals that count this answer; an app that hung
   * up (or a stream stopped early) gets it from `finally`.
   */
  const close = async () => {
    if (closed) return;
    closed = true;
    await upstream.return();
    if (!answer.decided && answer.released !== '') await exchange.decide('respond', answer.released);
    await exchange.meter(answer.usage, answer.original);
  };
  /** A chunk of released text: the first one is when the app's time to first token ends. */
  const withText = (out: Record<string, unknown>[]) => {
    if (!textSent && out.some((choice) => (choice['delta'] as { content?: string }).content !== undefined)) {
      textSent = true;
      exchange.firstText();
    }
    return answer.chunk(out);
  };
  try {
    for (;;) {
      let next: IteratorResult<Record<string, unknown>, void>;
      try {
        next = await upstream.next();
      } catch (error) {
        if (signal.aborted) return;
        // Only the provider's stream failing is an upstream failure; a failure of ours (logging a decision, say)
        // propagates as itself.
        if (!(error instanceof AppError)) throw error;
        failure = error;
        break;
      }
      if (next.done === true) break;
      const out = answer.take(next.value);
      if (answer.due) {
        const released = await answer.step(false);
        if (released === null) break;
        merge(out, released);
      }
      if (out.length > 0) yield withText(out);
    }
    const upstreamDone = process.hrtime.bigint();
    if (signal.aborted) return;
    if (answer.stopped === null) {
      const released = await answer.step(true);
      if (released !== null && (await answer.decide())) {
        const out: Record<string, unknown>[] = [];
        merge(out, released);
        if (out.length > 0) yield withText(out);
      }
    }
    if (answer.stopped !== null) {
      exchange.count('withheld');
      await close();
      yield answer.refusal();
      yield { type: 'done' };
      return;
    }
    if (failure !== null) {
      await close();
      await exchange.upstreamFailed(failure);
      yield { type: 'error', error: failure, decisionIds: exchange.decisions.map((decision) => decision.decision_id) };
      return;
    }
    const { finals, withheld } = yield* answer.toolCalls();
    await close();
    yield answer.chunk(finals, { acgs: { decisions: exchange.decisions } });
    if (answer.usage !== undefined) yield answer.chunk([], { usage: answer.usage });
    exchange.count(withheld ? 'withheld' : answer.redacted ? 'redacted' : 'allow');
    exchange.answered(upstreamDone);
    yield { type: 'done' };
  } finally {
    // Whatever the provider produced counts toward the caller's budget, however the stream ended.
    await close();
  }
}

/** A chunk's envelope as the app sees it: the upstream's id and times, our name for the model. */
function envelopeOf(event: Record<string, unknown>, model: string): Record<string, unknown> {
  const envelope: Record<string, unknown> = { ...event, object: 'chat.completion.chunk', model };
  delete envelope['choices'];
  delete envelope['usage'];
  return envelope;
}

/** Puts released text into the chunk's choices, adding a choice where only text was released. */
function merge(out: Record<string, unknown>[], released: Map<number, string>): void {
  for (const [index, text] of released) {
    if (text === '') continue;
    const present = out.find((choice) => choice['index'] === index);
    if (present !== undefined) (present['delta'] as Record<string, unknown>)['content'] = text;
    else out.push({ index, delta: { content: text }, logprobs: null, finish_reason: null });
  }
}

/** Tool-call deltas gathered into whole calls: the first delta of an index names it, later ones add to its arguments. */
function gather(calls: Map<number, ToolCall>, deltas: readonly Record<string, unknown>[]): void {
  for (const delta of deltas) {
    const index = Number.isInteger(delta['index']) ? (delta['index'] as number) : calls.size;
    const call = calls.get(index) ?? { function: { name: '', arguments: '' } };
    if (typeof delta['id'] === 'string') call.id = delta['id'];
    if (typeof delta['type'] === 'string') call.type = delta['type'];
    const fn = (delta['function'] ?? {}) as { name?: unknown; arguments?: unknown };
    if (typeof fn.name === 'string') call.function!.name = (call.function!.name ?? '') + fn.name;
    if (typeof fn.arguments === 'string') call.function!.arguments = (call.function!.arguments ?? '') + fn.arguments;
    calls.set(index, call);
  }
}
