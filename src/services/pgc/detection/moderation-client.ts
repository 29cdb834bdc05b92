import { unsafeCategoriesFrom, type ClassifierVerdict } from '../../../domain/detectors/moderation.js';

export interface ModerationSettings {
  baseUrl: string;
  apiKey: string | null;
  model: string;
  timeoutMs: number;
  failClosed: boolean;
}

interface ModerationResponse {
  results?: { categories?: Record<string, unknown> }[];
}

/**
 * Calls POST {baseUrl}/moderations (the OpenAI wire format) with a timeout; never throws. `onCall` hears each
 * call's outcome (for acgs_service_calls_total).
 */
export function createModerationClient(
  settings: ModerationSettings,
  onCall: (status: 'ok' | 'error') => void = () => undefined,
): (content: string) => Promise<ClassifierVerdict> {
  const call = callClassifier(settings);
  return async (content) => {
    const verdict = await call(content);
    onCall(verdict.ok ? 'ok' : 'error');
    return verdict;
  };
}

function callClassifier(settings: ModerationSettings): (content: string) => Promise<ClassifierVerdict> {
  const endpoint = `${settings.baseUrl.replace(/\/$/, '')}/moderations`;
  return async (content) => {
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(settings.apiKey === null ? {} : { authorization: `Bearer ${settings.apiKey}` }),
        },
        body: JSON.stringify({ model: settings.model, input: content }),
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      if (!response.ok)
        return { ok: false, error: `classifier answered ${response.status}`, failClosed: settings.failClosed };
      const body = (await response.json()) as ModerationResponse;
      const categories = body.results?.[0]?.categories;
      if (categories === undefined)
        return { ok: false, error: 'classifier answer has no results[0].categories', failClosed: settings.failClosed };
      return { ok: true, categories: unsafeCategoriesFrom(categories) };
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${settings.timeoutMs} ms`
          : (error as Error).message;
      return { ok: false, error: `classifier unavailable: ${reason}`, failClosed: settings.failClosed };
    }
  };
}
