import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The URL of a worker module beside `importMetaUrl`, as .ts when running from sources and .js when built. */
export function siblingModule(importMetaUrl: string, name: string): URL {
  return new URL(`./${name}${extname(fileURLToPath(importMetaUrl))}`, importMetaUrl);
}

/**
 * Starts a worker thread on a module. Run from TypeScript sources (tests, `tsx src/cli/main.ts`) the worker needs
 * tsx's loader, which a worker thread does not inherit: a small module registers it, then imports the worker.
 */
export function startWorker(url: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const typescript = url.pathname.endsWith('.ts');
  const entry = typescript
    ? `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`
    : url;
  return new Worker(entry, { ...options, eval: typescript });
}
