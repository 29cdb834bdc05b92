import { AppError } from '../../../domain/errors.js';
import type { LlmUpstream } from './upstream-registry.js';

/** Statuses worth asking again: the provider's overload and outages, never the caller's mistakes. */
const RETRYABLE = new Set([408, 409, 429, 500, 502, 503, 504]);
const RETRY_PAUSE_MS = 200;

export class UpstreamTimeout extends AppError {
  constructor(upstream: string, timeoutMs: number) {
    super(
      'gateway_timeout',
      'LLM_UPSTREAM_TIMEOUT',
      `LLM upstream "${upstream}" did not answer within ${timeoutMs} ms`,
    );
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
 * Calls an OpenAI-compatible upstream with the credential kept for it, within its timeout, asking again (up to its
 * retries) after an outage or overload. A request the provider refuses as malformed is `LLM_UPSTREAM_REJECTED` (400,
 * quoting it); an upstream that cannot be reached, keeps failing, refuses our credential or answers with something
 * other than a JSON object is `UpstreamFailed` (502), one that does not answer in time `UpstreamTimeout` (504).
 */
export async function postJson(
  upstream: LlmUpstream,
  path: string,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (upstream.credential !== null) headers['authorization'] = `Bearer ${upstream.credential}`;
  for (let attempt = 0; ; attempt += 1) {
    const last = attempt >= upstream.retries;
    let response: Response;
    try {
      const timeout = AbortSignal.timeout(upstream.timeout_ms);
      response = await fetch(endpoint(upstream, path), {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      });
      const text = await response.text();
      if (RETRYABLE.has(response.status) && !last) {
        await pause(RETRY_PAUSE_MS * (attempt + 1));
        continue;
      }
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
      const said = errorMessage(parsed) ?? text.slice(0, 200);
      if (response.status >= 500 || response.status === 429)
        throw new UpstreamFailed(upstream.name, `answered ${response.status}: ${said}`);
      // The provider refusing our credential is ours to fix; refusing the request is the caller's.
      if (response.status === 401 || response.status === 403)
        throw new UpstreamFailed(upstream.name, `refused the gateway's credential (${response.status}): ${said}`);
      if (response.status >= 400)
        throw new AppError(
          'invalid',
          'LLM_UPSTREAM_REJECTED',
          `LLM upstream "${upstream.name}" refused the request (${response.status}): ${said}`,
        );
      return parsed as Record<string, unknown>;
    } catch (error) {
      if (error instanceof AppError) throw error;
      if ((error as Error).name === 'TimeoutError') {
        if (!last) continue;
        throw new UpstreamTimeout(upstream.name, upstream.timeout_ms);
      }
      if (signal?.aborted === true) throw error;
      if (!last) {
        await pause(RETRY_PAUSE_MS * (attempt + 1));
        continue;
      }
      throw new UpstreamFailed(upstream.name, `could not be reached: ${(error as Error).message}`, { cause: error });
    }
  }
}

function errorMessage(body: object): string | null {
  const error = (body as { error?: { message?: unknown } }).error;
  return typeof error?.message === 'string' ? error.message : null;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
