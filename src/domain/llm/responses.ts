import { ValidationError } from '../errors.js';
import type { ChatContentPart, ChatMessage } from './chat.js';

/**
 * OpenAI's Responses API, carried over chat completions. Every OpenAI-compatible provider speaks chat completions
 * and few speak Responses, so the gateway translates: a Responses request becomes a chat request (governed and
 * forwarded like any other), and the governed completion becomes a Responses object or event stream. What only a
 * provider's own Responses service can do — its stored conversations, built-in tools, background runs — is refused
 * by field name rather than silently dropped.
 */

type Json = Record<string, unknown>;

/** The Responses request fields the gateway reads; the rest are carried where chat completions have them. */
export interface ResponsesRequest {
  model: string;
  input: string | Json[];
  instructions?: string | null;
  stream?: boolean;
  tools?: Json[];
  tool_choice?: unknown;
  text?: { format?: Json; verbosity?: unknown };
  [field: string]: unknown;
}

/** Fields that need a provider's stored state or hosted execution, with why the gateway refuses them. */
const REFUSED: Readonly<Record<string, string>> = {
  previous_response_id:
    'the gateway keeps no conversation at the provider: send the conversation so far as input (what the OpenAI Agents SDK does by default)',
  conversation: 'the gateway keeps no conversation at the provider: send the conversation so far as input',
  background: 'background responses run at the provider, out of the governed path',
  prompt: 'stored prompt templates live at the provider: send the prompt as instructions and input',
};

/** Fields with the same name and meaning in chat completions. */
const CARRIED = [
  'temperature',
  'top_p',
  'parallel_tool_calls',
  'user',
  'service_tier',
  'top_logprobs',
  'safety_identifier',
  'prompt_cache_key',
] as const;

const invalid = (field: string, why: string) => new ValidationError(`/body/${field}: ${why}`);

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An object without its `type`: Responses tag objects that chat completions nest under their type's name. */
function untyped(value: Json): Json {
  const rest = { ...value };
  delete rest['type'];
  return rest;
}

/** A Responses content part as chat completions carry it. */
function partOf(part: unknown, field: string): ChatContentPart {
  if (!isObject(part)) throw invalid(field, 'must be a content part object');
  switch (part['type']) {
    case 'input_text':
    case 'output_text':
      if (typeof part['text'] !== 'string') throw invalid(`${field}/text`, 'must be a string');
      return { type: 'text', text: part['text'] };
    case 'refusal':
      return { type: 'refusal', refusal: String(part['refusal'] ?? '') };
    case 'input_image':
      if (typeof part['image_url'] !== 'string')
        throw invalid(
          `${field}/image_url`,
          'must be a URL or data URL (files stored at the provider are not reachable)',
        );
      return {
        type: 'image_url',
        image_url: { url: part['image_url'], ...(part['detail'] === undefined ? {} : { detail: part['detail'] }) },
      };
    case 'input_file':
      return { type: 'file', file: untyped(part) };
    default:
      throw invalid(`${field}/type`, `content part type ${JSON.stringify(part['type'])} is not supported`);
  }
}

/** A message's content: a string as it is, parts translated one by one. */
function contentOf(content: unknown, field: string): ChatMessage['content'] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalid(field, 'must be a string or an array of content parts');
  return content.map((part, index) => partOf(part, `${field}/${index}`));
}

/** Text of a tool's output, which Responses allows as a string or as content parts. */
function outputText(output: unknown, field: string): string {
  if (typeof output === 'string') return output;
  if (!Array.isArray(output)) throw invalid(field, 'must be a string or an array of content parts');
  return output
    .map((part, index) => {
      const translated = partOf(part, `${field}/${index}`);
      return typeof translated.text === 'string' ? translated.text : '';
    })
    .join('');
}

/** The conversation as chat messages: instructions first, then each input item in order. */
export function messagesOf(request: ResponsesRequest): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (typeof request.instructions === 'string' && request.instructions !== '')
    messages.push({ role: 'system', content: request.instructions });
  if (typeof request.input === 'string') {
    messages.push({ role: 'user', content: request.input });
    return messages;
  }
  request.input.forEach((item, index) => {
    const field = `input/${index}`;
    const type = item['type'] ?? 'message';
    if (type === 'message') {
      const role = item['role'];
      if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer')
        throw invalid(`${field}/role`, 'must be user, assistant, system or developer');
      messages.push({ role, content: contentOf(item['content'], `${field}/content`) });
    } else if (type === 'function_call') {
      if (typeof item['call_id'] !== 'string') throw invalid(`${field}/call_id`, 'must be a string');
      if (typeof item['name'] !== 'string') throw invalid(`${field}/name`, 'must be a string');
      const call = {
        id: item['call_id'],
        type: 'function',
        function: { name: item['name'], arguments: typeof item['arguments'] === 'string' ? item['arguments'] : '' },
      };
      // Calls proposed together are one assistant turn in chat completions.
      const last = messages[messages.length - 1];
      if (last?.role === 'assistant' && Array.isArray(last['tool_calls'])) (last['tool_calls'] as object[]).push(call);
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else if (type === 'function_call_output') {
      if (typeof item['call_id'] !== 'string') throw invalid(`${field}/call_id`, 'must be a string');
      messages.push({
        role: 'tool',
        tool_call_id: item['call_id'],
        content: outputText(item['output'], `${field}/output`),
      });
    } else if (type === 'reasoning') {
      // A model's reasoning from an earlier turn: chat completions take none back, and it was never the app's text.
    } else throw invalid(`${field}/type`, `input item type ${JSON.stringify(type)} is not supported by the gateway`);
  });
  return messages;
}

/** Function tools as chat completions declare them; hosted tools (web search, file search, …) are refused. */
function toolsOf(tools: Json[]): Json[] {
  return tools.map((tool, index) => {
    if (tool['type'] !== 'function')
      throw invalid(
        `tools/${index}/type`,
        `the hosted tool ${JSON.stringify(tool['type'])} runs at the provider, out of the governed path; declare function tools`,
      );
    const { name, ...definition } = untyped(tool);
    if (typeof name !== 'string' || name === '') throw invalid(`tools/${index}/name`, 'must be a non-empty string');
    return { type: 'function', function: { name, ...definition } };
  });
}

function toolChoiceOf(choice: unknown): unknown {
  if (typeof choice === 'string') return choice;
  if (isObject(choice) && choice['type'] === 'function' && typeof choice['name'] === 'string')
    return { type: 'function', function: { name: choice['name'] } };
  throw invalid('tool_choice', 'must be "auto", "none", "required" or {"type": "function", "name": …}');
}

function responseFormatOf(format: Json): Json | undefined {
  switch (format['type']) {
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema':
      return { type: 'json_schema', json_schema: untyped(format) };
    default:
      throw invalid('text/format/type', 'must be text, json_object or json_schema');
  }
}

/** The chat completion request a Responses request amounts to, or a ValidationError naming the field. */
export function chatRequestOf(request: ResponsesRequest): Json {
  for (const [field, why] of Object.entries(REFUSED))
    if (request[field] !== undefined && request[field] !== null) throw invalid(field, `not supported: ${why}`);
  const chat: Json = { model: request.model, messages: messagesOf(request) };
  for (const field of CARRIED) if (request[field] !== undefined) chat[field] = request[field];
  if (request['max_output_tokens'] !== undefined && request['max_output_tokens'] !== null)
    chat['max_completion_tokens'] = request['max_output_tokens'];
  const reasoning = request['reasoning'];
  if (isObject(reasoning) && reasoning['effort'] !== undefined && reasoning['effort'] !== null)
    chat['reasoning_effort'] = reasoning['effort'];
  if (request.tools !== undefined && request.tools.length > 0) chat['tools'] = toolsOf(request.tools);
  if (request.tool_choice !== undefined) chat['tool_choice'] = toolChoiceOf(request.tool_choice);
  if (request.text?.format !== undefined) {
    const format = responseFormatOf(request.text.format);
    if (format !== undefined) chat['response_format'] = format;
  }
  if (request.text?.verbosity !== undefined) chat['verbosity'] = request.text.verbosity;
  if (request.stream === true) {
    chat['stream'] = true;
    // The final response.completed event carries the usage, so the provider is always asked for it.
    chat['stream_options'] = { include_usage: true };
  }
  return chat;
}

/** Chat completions' usage in the Responses shape. */
export function usageOf(usage: unknown): Json | null {
  if (!isObject(usage)) return null;
  const input = Number(usage['prompt_tokens'] ?? 0);
  const output = Number(usage['completion_tokens'] ?? 0);
  const cached = (usage['prompt_tokens_details'] as { cached_tokens?: number } | undefined)?.cached_tokens ?? 0;
  const reasoning =
    (usage['completion_tokens_details'] as { reasoning_tokens?: number } | undefined)?.reasoning_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: Number(usage['total_tokens'] ?? input + output),
  };
}

/** How a completion's finish reason reads as a response's status. */
export function statusOf(finishReason: unknown): { status: string; incomplete_details: Json | null } {
  if (finishReason === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter')
    return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** A response's fields that echo the request, as OpenAI returns them. */
export function echoOf(request: ResponsesRequest): Json {
  return {
    instructions: request.instructions ?? null,
    max_output_tokens: request['max_output_tokens'] ?? null,
    parallel_tool_calls: request['parallel_tool_calls'] ?? true,
    previous_response_id: null,
    reasoning: { effort: (request['reasoning'] as Json | undefined)?.['effort'] ?? null, summary: null },
    store: false,
    temperature: request['temperature'] ?? 1,
    text: { format: request.text?.format ?? { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools: request.tools ?? [],
    top_p: request['top_p'] ?? 1,
    truncation: 'disabled',
    metadata: isObject(request['metadata']) ? request['metadata'] : {},
  };
}

/** A chat completion's message as Responses output items: its text or refusal as a message, each tool call its own. */
export function outputOf(message: Json | undefined, completionId: string): Json[] {
  if (message === undefined) return [];
  const output: Json[] = [];
  const content: Json[] = [];
  if (typeof message['content'] === 'string' && message['content'] !== '')
    content.push({ type: 'output_text', text: message['content'], annotations: [], logprobs: [] });
  if (typeof message['refusal'] === 'string' && message['refusal'] !== '')
    content.push({ type: 'refusal', refusal: message['refusal'] });
  if (content.length > 0)
    output.push({ type: 'message', id: `msg_${completionId}`, status: 'completed', role: 'assistant', content });
  for (const call of Array.isArray(message['tool_calls']) ? (message['tool_calls'] as Json[]) : []) {
    const fn = (call['function'] ?? {}) as { name?: string; arguments?: string };
    output.push({
      type: 'function_call',
      id: `fc_${String(call['id'])}`,
      call_id: call['id'],
      name: fn.name ?? '',
      arguments: fn.arguments ?? '',
      status: 'completed',
    });
  }
  return output;
}

/** A governed chat completion as a Responses object (the first choice: Responses has one). */
export function responseOf(completion: Json, request: ResponsesRequest, model: string): Json {
  const choice = ((completion['choices'] as Json[] | undefined) ?? [])[0];
  const id = String(completion['id']);
  return {
    id: `resp_${id}`,
    object: 'response',
    created_at: completion['created'],
    ...statusOf(choice?.['finish_reason']),
    error: null,
    model,
    output: outputOf(choice?.['message'] as Json | undefined, id),
    usage: usageOf(completion['usage']),
    ...echoOf(request),
  };
}
