import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** The file types the console build emits; a missing one is a missing asset, never a page. */
export const ASSET_EXTENSIONS: readonly string[] = Object.keys(CONTENT_TYPES).map((extension) => extension.slice(1));

const isAssetPath = (relative: string) =>
  relative.startsWith('assets') || ASSET_EXTENSIONS.includes(extname(relative).slice(1).toLowerCase());

export interface StaticFile {
  path: string;
  stats: Stats;
  contentType: string;
  /** Hashed build assets never change under their name; index.html must be re-read on every visit. */
  cacheControl: string;
}

/**
 * What a GET of `urlPath` serves from the built console: the file itself, or index.html for a page route (a path
 * with no file extension: the app's router owns it). A missing asset is null — never index.html, which a browser
 * would try to run as the script it asked for.
 */
export async function resolveStaticFile(root: string, urlPath: string): Promise<StaticFile | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = normalize(decoded).replace(/^([/\\])+/, '');
  const candidate = join(root, relative);
  if (candidate !== root && !candidate.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  const found = await fileAt(candidate);
  if (found !== null) return found;
  // Page paths may end in what looks like an extension (policy ids such as `no-pii.1`): only the file types the
  // build emits mark an asset.
  if (isAssetPath(relative)) return null;
  return fileAt(join(root, 'index.html'));
}

async function fileAt(path: string): Promise<StaticFile | null> {
  const stats = await stat(path).catch(() => null);
  if (stats === null || !stats.isFile()) return null;
  const extension = extname(path);
  return {
    path,
    stats,
    contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
    cacheControl: path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
}

export const openStaticFile = (file: StaticFile) => createReadStream(file.path);
