/**
 * Maps an OpenAI-compatible moderation result's flagged categories to the governance schema's unsafe categories
 * (the names the starter principle withhold-unsafe-outputs lists).
 */
const CATEGORY_MAP: Readonly<Record<string, string>> = {
  hate: 'hate',
  'hate/threatening': 'hate',
  harassment: 'harassment',
  'harassment/threatening': 'harassment',
  'self-harm': 'self_harm',
  'self-harm/intent': 'self_harm',
  'self-harm/instructions': 'self_harm',
  sexual: 'sexual',
  'sexual/minors': 'sexual_minors',
  violence: 'violence',
  'violence/graphic': 'violence',
  illicit: 'illicit',
  'illicit/violent': 'weapons',
};

export function unsafeCategoriesFrom(categories: Readonly<Record<string, unknown>>): string[] {
  const flagged = Object.entries(categories)
    .filter(([, value]) => value === true)
    .map(([name]) => CATEGORY_MAP[name] ?? name.replace(/[^a-z0-9]+/gi, '_').toLowerCase());
  return [...new Set(flagged)].sort();
}

/** What the external classifier said: categories, or why it could not answer and whether that must deny. */
export type ClassifierVerdict = { ok: true; categories: string[] } | { ok: false; error: string; failClosed: boolean };
