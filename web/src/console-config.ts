/** The console's configuration as its listener (or the nginx gateway) serves it at start. */
export interface ConsoleConfig {
  /** The signing keys signatures are accepted from (ACGS_TRUSTED_KEY_FINGERPRINTS); null: trust on first use. */
  trusted_key_fingerprints: string[] | null;
  /** The operator's trace UI with `{trace_id}` where the id goes (ACGS_TRACE_URL_TEMPLATE), or null. */
  trace_url_template: string | null;
}

let loading: Promise<ConsoleConfig> | null = null;

/** Read once per page load: every part of the console that needs it shares the one request. */
export function consoleConfig(): Promise<ConsoleConfig> {
  loading ??= fetch('/console-config.json').then(async (response) => {
    const body = (await response.json()) as Partial<ConsoleConfig>;
    return {
      trusted_key_fingerprints: body.trusted_key_fingerprints ?? null,
      trace_url_template: body.trace_url_template ?? null,
    };
  });
  return loading;
}

/** Where a trace opens in the operator's trace UI; null when none is configured. */
export const traceUrl = (template: string | null, traceId: string): string | null =>
  template === null ? null : template.replaceAll('{trace_id}', encodeURIComponent(traceId));
