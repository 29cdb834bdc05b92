import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tool call the scripted model proposes: a function's name and its arguments (JSON text). */
export interface ScriptedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * One scripted answer: a reply's content (and the tool calls it proposes), an HTTP error, a body that is not JSON,
 * or a reply that comes late.
 */
export type ScriptedAnswer =
  | { content: string | null; toolCalls?: ScriptedToolCall[]; delayMs?: number }
  | { status: number; delayMs?: number }
  | { malformed: string };

export interface ReceivedRequest {
  model: string;
  messages: { role: string; content: string }[];
  temperature?: number;
  seed?: number;
  /** The bearer credential the request came with. */
  authorization?: string;
  [field: string]: unknown;
}

/**
 * Stands in for an LLM provider (unreachable from here) and speaks the OpenAI chat-completions wire protocol over
 * HTTP: POST /v1/chat/completions with a bearer key → a `chat.completion` object with usage. Answers come from a
 * script, in order, one per request received (a retried request takes the next answer); an exhausted script is 500.
 */
export async function fakeLlmServer(apiKey = 'llm-key'): Promise<{
  server: Server;
  url: string;
  requests: ReceivedRequest[];
  script(answers: readonly ScriptedAnswer[]): void;
  close(): Promise<void>;
}> {
  const requests: ReceivedRequest[] = [];
  let queue: ScriptedAnswer[] = [];
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
      requests.push({ ...parsed, authorization: request.headers.authorization });
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
              usage: {
                prompt_tokens: promptTokens,
                completion_tokens: completionTokens,
                total_tokens: promptTokens + completionTokens,
              },
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
