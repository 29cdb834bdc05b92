/**
 * A tool name as a loose resolver might read it: compatibility forms folded (NFKC), case folded, and whitespace,
 * invisible characters and repeated dots dropped. Used only to say what a refused name imitates — a name is
 * forwarded only when it is exactly one the upstream listed.
 */
export function looseToolName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\u00AD\u180E\u200B-\u200F\u2028-\u202F\u205F-\u206F\uFEFF]/g, '')
    .replace(/\.{2,}/g, '.')
    .replace(/^\.+/, '');
}

/** The listed name a refused name imitates, if it reads as one of them under loose resolution. */
export function lookalikeOf(name: string, listed: readonly string[]): string | null {
  const loose = looseToolName(name);
  return listed.find((candidate) => candidate !== name && looseToolName(candidate) === loose) ?? null;
}
