import { echoOf, statusOf, usageOf, type ResponsesRequest } from './responses.js';

type Json = Record<string, unknown>;

/** One Responses streaming event: its `type` is also the SSE event name. */
export type ResponseEvent = Json & { type: string; sequence_number: number };

interface OpenPart {
  type: 'output_text' | 'refusal';
  text: string;
}

interface OpenMessage {
  id: string;
  outputIndex: number;
  parts: OpenPart[];
}

/**
 * A governed chat-completion stream retold as the Responses API's events, in the order OpenAI sends them and its
 * clients' accumulators check: `response.created`, each output item added, its content parts and text deltas, each
 * item done, then `response.completed` (or `response.incomplete` when the answer was stopped or cut short) with the
 * whole response. The chat chunks it reads are already governed: text released, redacted, refusals written.
 */
export class ResponseEvents {
  private sequence = 0;
  private readonly output: Json[] = [];
  private message: OpenMessage | null = null;
  private finishReason: unknown = null;
  private usage: Json | null = null;
  private acgs: unknown = undefined;

  constructor(
    private readonly id: string,
    private readonly createdAt: number,
    private readonly model: string,
    private readonly request: ResponsesRequest,
  ) {}

  private event(type: string, fields: Json): ResponseEvent {
    return { type, sequence_number: this.sequence++, ...fields };
  }

  private snapshot(status: string, extra: Json = {}): Json {
    return {
      id: this.id,
      object: 'response',
      created_at: this.createdAt,
      status,
      error: null,
      incomplete_details: null,
      model: this.model,
      output: this.output.map((item) => structuredClone(item)),
      usage: null,
      ...echoOf(this.request),
      ...extra,
    };
  }

  /** The stream's opening: the response exists and is in progress. */
  start(): ResponseEvent[] {
    return [
      this.event('response.created', { response: this.snapshot('in_progress') }),
      this.event('response.in_progress', { response: this.snapshot('in_progress') }),
    ];
  }

  /** The events one governed chat chunk amounts to. */
  chunk(data: Json): ResponseEvent[] {
    const events: ResponseEvent[] = [];
    if (data['usage'] !== undefined && data['usage'] !== null) this.usage = usageOf(data['usage']);
    if (data['acgs'] !== undefined) this.acgs = data['acgs'];
    for (const choice of (data['choices'] as Json[] | undefined) ?? []) {
      // Responses has one answer; a chat upstream asked for one gives one choice.
      if ((choice['index'] ?? 0) !== 0) continue;
      const delta = (choice['delta'] ?? {}) as Json;
      if (typeof delta['content'] === 'string' && delta['content'] !== '')
        events.push(...this.text('output_text', delta['content']));
      if (typeof delta['refusal'] === 'string' && delta['refusal'] !== '')
        events.push(...this.text('refusal', delta['refusal']));
      if (Array.isArray(delta['tool_calls'])) events.push(...this.toolCalls(delta['tool_calls'] as Json[]));
      if (choice['finish_reason'] !== null && choice['finish_reason'] !== undefined)
        this.finishReason = choice['finish_reason'];
    }
    return events;
  }

  /** The stream's end: the open message closed, then the whole response with its status, usage and decisions. */
  end(): ResponseEvent[] {
    const events = this.closeMessage();
    const { status, incomplete_details } = statusOf(this.finishReason);
    const response = this.snapshot(status, {
      incomplete_details,
      usage: this.usage,
      ...(this.acgs === undefined ? {} : { acgs: this.acgs }),
    });
    events.push(this.event(status === 'completed' ? 'response.completed' : 'response.incomplete', { response }));
    return events;
  }

  /** An error ends the stream: OpenAI's `error` event, with our code and the exchange's decisions inside. */
  error(fields: { code: string; message: string; request_id: string; decision_ids: readonly string[] }): ResponseEvent {
    return this.event('error', {
      code: fields.code,
      message: fields.message,
      param: null,
      error_code: fields.code,
      request_id: fields.request_id,
      decision_ids: [...fields.decision_ids],
    });
  }

  /** Text added to the message, in a part of its kind (a new part when the kind changes). */
  private text(kind: OpenPart['type'], delta: string): ResponseEvent[] {
    const events: ResponseEvent[] = [];
    if (this.message === null) {
      this.message = { id: `msg_${this.id.replace(/^resp_/, '')}`, outputIndex: this.output.length, parts: [] };
      const item = { type: 'message', id: this.message.id, status: 'in_progress', role: 'assistant', content: [] };
      this.output.push(item);
      events.push(this.event('response.output_item.added', { output_index: this.message.outputIndex, item }));
    }
    const message = this.message;
    let part = message.parts[message.parts.length - 1];
    if (part?.type !== kind) {
      if (part !== undefined) events.push(...this.closePart(message, message.parts.length - 1));
      part = { type: kind, text: '' };
      message.parts.push(part);
      events.push(
        this.event('response.content_part.added', {
          item_id: message.id,
          output_index: message.outputIndex,
          content_index: message.parts.length - 1,
          part: this.partView(part),
        }),
      );
    }
    part.text += delta;
    const place = { item_id: message.id, output_index: message.outputIndex, content_index: message.parts.length - 1 };
    events.push(
      kind === 'output_text'
        ? this.event('response.output_text.delta', { ...place, delta, logprobs: [] })
        : this.event('response.refusal.delta', { ...place, delta }),
    );
    return events;
  }

  private partView(part: OpenPart): Json {
    return part.type === 'output_text'
      ? { type: 'output_text', text: part.text, annotations: [], logprobs: [] }
      : { type: 'refusal', refusal: part.text };
  }

  private closePart(message: OpenMessage, index: number): ResponseEvent[] {
    const part = message.parts[index]!;
    const place = { item_id: message.id, output_index: message.outputIndex, content_index: index };
    const done =
      part.type === 'output_text'
        ? this.event('response.output_text.done', { ...place, text: part.text, logprobs: [] })
        : this.event('response.refusal.done', { ...place, refusal: part.text });
    return [done, this.event('response.content_part.done', { ...place, part: this.partView(part) })];
  }

  private closeMessage(): ResponseEvent[] {
    const message = this.message;
    if (message === null) return [];
    this.message = null;
    const events = this.closePart(message, message.parts.length - 1);
    const item = {
      type: 'message',
      id: message.id,
      status: 'completed',
      role: 'assistant',
      content: message.parts.map((part) => this.partView(part)),
    };
    this.output[message.outputIndex] = item;
    events.push(this.event('response.output_item.done', { output_index: message.outputIndex, item }));
    return events;
  }

  /** Governed tool calls arrive whole: each is an item added, its arguments in one delta, and done. */
  private toolCalls(calls: Json[]): ResponseEvent[] {
    const events = this.closeMessage();
    for (const call of calls) {
      const fn = (call['function'] ?? {}) as { name?: string; arguments?: string };
      const id = `fc_${String(call['id'])}`;
      const outputIndex = this.output.length;
      const item = {
        type: 'function_call',
        id,
        call_id: call['id'],
        name: fn.name ?? '',
        arguments: '',
        status: 'in_progress',
      };
      this.output.push(item);
      const args = fn.arguments ?? '';
      const done = { ...item, arguments: args, status: 'completed' };
      events.push(
        this.event('response.output_item.added', { output_index: outputIndex, item }),
        this.event('response.function_call_arguments.delta', { item_id: id, output_index: outputIndex, delta: args }),
        this.event('response.function_call_arguments.done', {
          item_id: id,
          output_index: outputIndex,
          name: done.name,
          arguments: args,
        }),
        this.event('response.output_item.done', { output_index: outputIndex, item: done }),
      );
      this.output[outputIndex] = done;
    }
    return events;
  }
}
