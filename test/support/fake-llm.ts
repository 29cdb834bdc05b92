import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tool call the scripted model proposes: a function's name and its arguments (JSON text). */
export interface ScriptedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** How a streamed answer goes wrong: the connection dropped, or left open in silence, after this many chunks. */
export interface StreamFault {
  after: number;
  fault: 'drop' | 'hang';
}

/**
 * One scripted answer: a reply's content (and the tool calls it proposes), an HTTP error, a body that is not JSON,
 * or a reply that comes late. Asked to stream, the content goes out in `chunks` (pieces that join to it; by default
 * one per four characters, as tokens come) and a stream may break (`streamFault`).
 */
export type ScriptedAnswer =
  | {
      content: string | null;
      toolCalls?: ScriptedToolCall[];
      delayMs?: number;
      chunks?: string[];
      chunkDelayMs?: number;
      streamFault?: StreamFault;
    }
  | { status: number; delayMs?: number }
  | { malformed: string };

export interface ReceivedRequest {
  model: string;
  messages: { role: string; content: string }[];
  temperature?: number;
  seed?: number;
  /** The bearer credential the request came with. */
  authorization?: string;
  /** The W3C trace context the request came with, if any. */
  traceparent?: string;
  [field: string]: unknown;
}

/** What a streamed answer sends, chunk by chunk, as OpenAI's chat completions stream it. */
function streamedChunks(
  answer: { content: string | null; toolCalls?: ScriptedToolCall[]; chunks?: string[] },
  envelope: Record<string, unknown>,
  usage: Record<string, number> | null,
): object[] {
  const chunk = (delta: object, finish: string | null = null) => ({
    ...envelope,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(usage === null ? {} : { usage: null }),
  });
  const content = answer.content ?? '';
  const pieces = answer.chunks ?? content.match(/[\s\S]{1,4}/g) ?? [];
  const chunks: object[] = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const piece of pieces) chunks.push(chunk({ content: piece }));
  answer.toolCalls?.forEach((call, index) => {
    const half = Math.ceil(call.arguments.length / 2);
    chunks.push(
      chunk({
        tool_calls: [
          {
            index,
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: call.arguments.slice(0, half) },
          },
        ],
      }),
    );
    chunks.push(chunk({ tool_calls: [{ index, function: { arguments: call.arguments.slice(half) } }] }));
  });
  chunks.push(chunk({}, answer.toolCalls === undefined ? 'stop' : 'tool_calls'));
  if (usage !== null) chunks.push({ ...envelope, choices: [], usage });
  return chunks;
}

/**
 * Stands in for an LLM provider (unreachable from here) and speaks the OpenAI chat-completions wire protocol over
 * HTTP: POST /v1/chat/completions with a bearer key → a `chat.completion` object with usage, or with `stream: true`
 * server-sent `chat.completion.chunk` events (role first, content pieces, tool-call deltas, the finish, the usage
 * chunk when `stream_options.include_usage` asks for it) ending `data: [DONE]`. Answers come from a
 * script, in order, one per request received (a retried request takes the next answer); an exhausted script is 500.
 */
export async function fakeLlmServer(apiKey = 'llm-key'): Promise<{
  server: Server;
  url: string;
  requests: ReceivedRequest[];
  /** Streams whose connection the client closed before the stream ended. */
  streamsCutOff: () => number;
  script(answers: readonly ScriptedAnswer[]): void;
  close(): Promise<void>;
}> {
  const requests: ReceivedRequest[] = [];
  let queue: ScriptedAnswer[] = [];
  let cutOff = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
        return;
      }
      if (request.headers.authorization !== `Bearer ${apiKey}`) {
        response
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"error":{"message":"invalid api key","type":"invalid_request_error"}}');
        return;
      }
      const parsed = JSON.parse(body) as ReceivedRequest;
      const traceparent = request.headers.traceparent;
      requests.push({
        ...parsed,
        authorization: request.headers.authorization,
        ...(typeof traceparent === 'string' ? { traceparent } : {}),
      });
      const answer = queue.shift() ?? { status: 500 };
      const send = () => {
        if ('malformed' in answer) {
          response.writeHead(200, { 'content-type': 'application/json' }).end(answer.malformed);
        } else if ('status' in answer) {
          response
            .writeHead(answer.status, { 'content-type': 'application/json', 'retry-after-ms': '10' })
            .end(JSON.stringify({ error: { message: `scripted ${answer.status}`, type: 'server_error' } }));
        } else {
          const promptTokens = parsed.messages.reduce(
            (sum, message) => sum + Math.ceil(JSON.stringify(message.content ?? '').length / 4),
            0,
          );
          const completionTokens = Math.ceil((answer.content ?? '').length / 4);
          const usage = {
            prompt_tokens: promptTokens,
            completion_tokens: completionTokens,
            total_tokens: promptTokens + completionTokens,
          };
          if (parsed['stream'] === true) {
            const includeUsage = (parsed['stream_options'] as { include_usage?: boolean } | undefined)?.include_usage;
            const chunks = streamedChunks(
              answer,
              {
                id: `chatcmpl-${requests.length}`,
                object: 'chat.completion.chunk',
                created: Math.floor(Date.now() / 1000),
                model: parsed.model,
                system_fingerprint: null,
              },
              includeUsage === true ? usage : null,
            );
            response.writeHead(200, {
              'content-type': 'text/event-stream; charset=utf-8',
              'cache-control': 'no-cache',
            });
            response.once('close', () => {
              if (!response.writableEnded) cutOff += 1;
            });
            const fault = answer.streamFault;
            const sendFrom = (index: number) => {
              if (fault !== undefined && index === fault.after) {
                if (fault.fault === 'drop') response.destroy();
                return;
              }
              if (response.destroyed) return;
              if (index === chunks.length) {
                response.end('data: [DONE]\n\n');
                return;
              }
              response.write(`data: ${JSON.stringify(chunks[index])}\n\n`);
              if ((answer.chunkDelayMs ?? 0) > 0) setTimeout(() => sendFrom(index + 1), answer.chunkDelayMs);
              else setImmediate(() => sendFrom(index + 1));
            };
            sendFrom(0);
            return;
          }
          const toolCalls = answer.toolCalls?.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: call.arguments },
          }));
          response.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              id: `chatcmpl-${requests.length}`,
              object: 'chat.completion',
              created: Math.floor(Date.now() / 1000),
              model: parsed.model,
              choices: [
                {
                  index: 0,
                  message: {
                    role: 'assistant',
                    content: answer.content,
                    refusal: null,
                    ...(toolCalls === undefined ? {} : { tool_calls: toolCalls }),
                  },
                  finish_reason: toolCalls === undefined ? 'stop' : 'tool_calls',
                  logprobs: null,
                },
              ],
              usage,
            }),
          );
        }
      };
      const delay = 'delayMs' in answer ? (answer.delayMs ?? 0) : 0;
      if (delay > 0) setTimeout(send, delay);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    streamsCutOff: () => cutOff,
    script(answers) {
      queue = [...answers];
      requests.length = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
