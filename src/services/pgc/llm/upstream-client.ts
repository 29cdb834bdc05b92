import { AppError } from '../../../domain/errors.js';
import type { LlmUpstream } from './upstream-registry.js';
import { traceHeaders } from '../../../platform/tracing.js';

/** Statuses worth asking again: the provider's overload and outages, never the caller's mistakes. */
const RETRYABLE = new Set([408, 409, 429, 500, 502, 503, 504]);
const RETRY_PAUSE_MS = 200;

export class UpstreamTimeout extends AppError {
  constructor(upstream: string, timeoutMs: number, what = 'did not answer') {
    super('gateway_timeout', 'LLM_UPSTREAM_TIMEOUT', `LLM upstream "${upstream}" ${what} within ${timeoutMs} ms`);
  }
}

export class UpstreamFailed extends AppError {
  constructor(upstream: string, detail: string, options: { cause?: unknown } = {}) {
    super('bad_gateway', 'LLM_UPSTREAM_FAILED', `LLM upstream "${upstream}": ${detail}`, null, options);
  }
}

/** `base_url` + path, as OpenAI's clients join them: the base names the API root (`…/v1`). */
const endpoint = (upstream: LlmUpstream, path: string) => `${upstream.base_url.replace(/\/+$/, '')}${path}`;

/**
 * POSTs to an OpenAI-compatible upstream with the credential kept for it, asking again (up to its retries) after an
 * outage, an overload or a timeout, and answers the first response that is not worth asking again for. The timeout
 * covers the response's headers; a caller reading the body bounds that itself.
 */
async function send(
  upstream: LlmUpstream,
  path: string,
  body: Record<string, unknown>,
  accept: string,
  signal?: AbortSignal,
): Promise<Response> {
  // The exchange's trace continues at the provider (W3C traceparent), as any OpenTelemetry-instrumented client's would.
  const headers: Record<string, string> = { 'content-type': 'application/json', accept, ...traceHeaders() };
  if (upstream.credential !== null) headers['authorization'] = `Bearer ${upstream.credential}`;
  for (let attempt = 0; ; attempt += 1) {
    const last = attempt >= upstream.retries;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new DOMException('timed out', 'TimeoutError')), upstream.timeout_ms);
    try {
      const response = await fetch(endpoint(upstream, path), {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: signal === undefined ? timeout.signal : AbortSignal.any([signal, timeout.signal]),
      });
      if (!RETRYABLE.has(response.status) || last) return response;
      await response.body?.cancel();
      await pause(RETRY_PAUSE_MS * (attempt + 1));
    } catch (error) {
      if (signal?.aborted === true) throw error;
      if (timeout.signal.aborted) {
        if (!last) continue;
        throw new UpstreamTimeout(upstream.name, upstream.timeout_ms);
      }
      if (!last) {
        await pause(RETRY_PAUSE_MS * (attempt + 1));
        continue;
      }
      throw new UpstreamFailed(upstream.name, `could not be reached: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * What a response that is not a success means: a request the provider refuses as malformed is
 * `LLM_UPSTREAM_REJECTED` (400, quoting it); an outage, an overload or a refusal of our credential is
 * `UpstreamFailed` (502).
 */
function failure(upstream: LlmUpstream, status: number, text: string): AppError {
  let said = text.slice(0, 200);
  try {
    said = providerMessage(JSON.parse(text)) ?? said;
  } catch {
    // Not JSON: the body's start says what went wrong as well as anything.
  }
  if (status >= 500 || status === 429) return new UpstreamFailed(upstream.name, `answered ${status}: ${said}`);
  // The provider refusing our credential is ours to fix; refusing the request is the caller's.
  if (status === 401 || status === 403)
    return new UpstreamFailed(upstream.name, `refused the gateway's credential (${status}): ${said}`);
  return new AppError(
    'invalid',
    'LLM_UPSTREAM_REJECTED',
    `LLM upstream "${upstream.name}" refused the request (${status}): ${said}`,
  );
}

/** The provider's own words in an OpenAI error body (`{"error": {"message": …}}`), or null when it has none. */
function providerMessage(body: unknown): string | null {
  const error = (body as { error?: { message?: unknown } } | null)?.error;
  return typeof error?.message === 'string' ? error.message : null;
}

/** `work`, or `UpstreamTimeout` (after `onExpire`) when it takes longer than the upstream's timeout. */
async function within<T>(upstream: LlmUpstream, what: string, work: Promise<T>, onExpire?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onExpire?.();
      reject(new UpstreamTimeout(upstream.name, upstream.timeout_ms, what));
    }, upstream.timeout_ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a response body within the upstream's timeout (a body that stalls is a timeout, not a hang). */
const bodyText = (upstream: LlmUpstream, response: Response): Promise<string> =>
  within(upstream, 'did not finish its answer', response.text(), () => void response.body?.cancel());

/**
 * A JSON answer from the upstream: an object, or the error its response means; one that cannot be reached, keeps
 * failing or answers with something other than a JSON object is `UpstreamFailed` (502), one that does not answer in
 * time `UpstreamTimeout` (504).
 */
export async function postJson(
  upstream: LlmUpstream,
  path: string,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  const response = await send(upstream, path, body, 'application/json', signal);
  const text = await bodyText(upstream, response);
  if (!response.ok) throw failure(upstream, response.status, text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UpstreamFailed(upstream.name, `answered ${response.status} with a body that is not JSON`, {
      cause: error,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UpstreamFailed(upstream.name, `answered ${response.status} with JSON that is not an object`);
  return parsed as Record<string, unknown>;
}

/**
 * A streamed answer from the upstream: once it has answered 200 with `text/event-stream`, the JSON object of each
 * server-sent event's data, in order, until `data: [DONE]`. A stream that ends without `[DONE]` or sends something
 * that is not a JSON object fails with `UpstreamFailed`, one silent for longer than the upstream's timeout with
 * `UpstreamTimeout`; an error event from the upstream fails with its message. Errors before the stream starts are
 * those of `postJson`.
 */
export async function postStream(
  upstream: LlmUpstream,
  path: string,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<AsyncGenerator<Record<string, unknown>, void>> {
  const response = await send(upstream, path, body, 'text/event-stream', signal);
  if (!response.ok) throw failure(upstream, response.status, await bodyText(upstream, response));
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    await response.body?.cancel();
    throw new UpstreamFailed(
      upstream.name,
      `answered a streamed request with ${response.headers.get('content-type') ?? 'no content type'}, not text/event-stream`,
    );
  }
  return events(upstream, response.body!.pipeThrough(new TextDecoderStream()).getReader());
}

async function* events(
  upstream: LlmUpstream,
  reader: ReadableStreamDefaultReader<string>,
): AsyncGenerator<Record<string, unknown>, void> {
  let buffered = '';
  try {
    for (;;) {
      const { done, value } = await readWithin(upstream, reader);
      if (done) throw new UpstreamFailed(upstream.name, 'ended the stream before data: [DONE]');
      buffered += value;
      // Events end at a blank line; a line is ended by CRLF, LF or CR (the SSE grammar).
      for (let end = blankLine(buffered); end !== null; end = blankLine(buffered)) {
        const data = eventData(buffered.slice(0, end.at));
        buffered = buffered.slice(end.at + end.length);
        if (data === null) continue;
        if (data.trim() === '[DONE]') return;
        yield parseEvent(upstream, data);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function blankLine(text: string): { at: number; length: number } | null {
  const match = /\r\n\r\n|\n\n|\r\r/.exec(text);
  return match === null ? null : { at: match.index, length: match[0].length };
}

/** The data lines of one event joined by newlines (comments and other fields skipped), or null when it has none. */
function eventData(event: string): string | null {
  const data = event
    .split(/\r\n|\n|\r/)
    .filter((line) => line === 'data' || line.startsWith('data:'))
    .map((line) => line.slice(5).replace(/^ /, ''));
  return data.length === 0 ? null : data.join('\n');
}

function parseEvent(upstream: LlmUpstream, data: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (error) {
    throw new UpstreamFailed(upstream.name, 'streamed an event whose data is not JSON', { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UpstreamFailed(upstream.name, 'streamed an event whose data is not a JSON object');
  const error = (parsed as { error?: unknown }).error;
  if (error !== undefined && error !== null)
    throw new UpstreamFailed(
      upstream.name,
      `ended the stream with an error: ${providerMessage(parsed) ?? JSON.stringify(error)}`,
    );
  return parsed as Record<string, unknown>;
}

/** The next piece of the stream, or a timeout when the upstream stays silent longer than it may. */
async function readWithin(
  upstream: LlmUpstream,
  reader: ReadableStreamDefaultReader<string>,
): Promise<Awaited<ReturnType<ReadableStreamDefaultReader<string>['read']>>> {
  try {
    return await within(upstream, 'sent nothing more of its stream', reader.read());
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new UpstreamFailed(upstream.name, `broke off the stream: ${(error as Error).message}`, { cause: error });
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
