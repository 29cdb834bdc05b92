import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/domain/errors.js';
import { ResponseEvents } from '../../src/domain/llm/response-events.js';
import { chatRequestOf, responseOf, type ResponsesRequest } from '../../src/domain/llm/responses.js';

describe('LLM gateway: the Responses API carried over chat completions', () => {
  it('translates a turn of an agent loop: instructions, history, calls proposed together, their outputs', () => {
    const request: ResponsesRequest = {
      model: 'fake/gpt',
      instructions: 'Be brief.',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris and Rome?' }] },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { type: 'function_call', call_id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', call_id: 'c2', name: 'get_weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'c1', output: 'sunny' },
        { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'rain' }] },
      ],
      tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' }, strict: true }],
      tool_choice: { type: 'function', name: 'get_weather' },
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
      max_output_tokens: 64,
      reasoning: { effort: 'low' },
      temperature: 0.3,
      store: true,
      metadata: { ticket: '7' },
    };
    assert.deepEqual(chatRequestOf(request), {
      model: 'fake/gpt',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'c2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
        { role: 'tool', tool_call_id: 'c2', content: 'rain' },
      ],
      temperature: 0.3,
      max_completion_tokens: 64,
      reasoning_effort: 'low',
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' }, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
      },
    });
  });

  it('refuses what it cannot carry, naming the field', () => {
    const refused = (extra: Partial<ResponsesRequest>, field: RegExp) =>
      assert.throws(
        () => chatRequestOf({ model: 'm', input: 'hi', ...extra }),
        (error: unknown) => error instanceof ValidationError && field.test(error.message),
      );
    refused({ conversation: 'conv_1' }, /^\/body\/conversation: not supported/);
    refused({ input: [{ role: 'robot', content: 'x' }] }, /^\/body\/input\/0\/role:/);
    refused({ input: [{ type: 'function_call', name: 'f' }] }, /^\/body\/input\/0\/call_id:/);
    refused({ tool_choice: { type: 'file_search' } }, /^\/body\/tool_choice:/);
    refused({ text: { format: { type: 'xml' } } }, /^\/body\/text\/format\/type:/);
  });

  it('answers a withheld completion as an incomplete response with the refusal, and keeps allowed calls', () => {
    const response = responseOf(
      {
        id: 'chatcmpl-1',
        created: 1_700_000_000,
        choices: [
          {
            index: 0,
            finish_reason: 'content_filter',
            message: {
              role: 'assistant',
              content: null,
              refusal: 'Withheld by ACGS policy',
              tool_calls: [{ id: 'c2', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
            },
          },
        ],
        usage: { prompt_tokens: 10, completion_tokens: 5 },
      },
      { model: 'fake/gpt', input: 'hi' },
      'fake/gpt',
    );
    assert.equal(response['status'], 'incomplete');
    assert.deepEqual(response['incomplete_details'], { reason: 'content_filter' });
    assert.deepEqual(response['output'], [
      {
        type: 'message',
        id: 'msg_chatcmpl-1',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'refusal', refusal: 'Withheld by ACGS policy' }],
      },
      {
        type: 'function_call',
        id: 'fc_c2',
        call_id: 'c2',
        name: 'get_weather',
        arguments: '{}',
        status: 'completed',
      },
    ]);
    assert.deepEqual(response['usage'], {
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 15,
    });
  });

  it('retells a stream that was stopped mid-answer: text part closed, refusal part opened, then incomplete', () => {
    const retold = new ResponseEvents('resp_1', 1, 'fake/gpt', { model: 'fake/gpt', input: 'hi' });
    const chunk = (delta: object, finish: string | null = null, extra: object = {}) => ({
      id: 'x',
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...extra,
    });
    const events = [
      ...retold.start(),
      ...retold.chunk(chunk({ content: 'Once upon ' })),
      ...retold.chunk(chunk({ content: 'a time' })),
      ...retold.chunk(chunk({ refusal: 'Withheld' }, 'content_filter', { acgs: { decisions: [] } })),
      ...retold.end(),
    ];
    assert.deepEqual(
      events.map((event) => event.type),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.content_part.added',
        'response.refusal.delta',
        'response.refusal.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.incomplete',
      ],
    );
    assert.deepEqual(
      events.map((event) => event.sequence_number),
      events.map((_, index) => index),
    );
    const final = events.at(-1)!['response'] as { output: { content: object[] }[]; acgs: unknown };
    assert.deepEqual(final.output[0]!.content, [
      { type: 'output_text', text: 'Once upon a time', annotations: [], logprobs: [] },
      { type: 'refusal', refusal: 'Withheld' },
    ]);
    assert.deepEqual(final.acgs, { decisions: [] });
  });
});
