#!/usr/bin/env node
// Runs every test file under test/ with node's test runner (TypeScript through tsx). Node 20's --test takes no
// globs, so the files are listed here. Extra arguments narrow the run: `npm test -- test/unit`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(path) {
  if (statSync(path).isFile()) return path.endsWith('.test.ts') ? [path] : [];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => collect(join(path, entry)));
}

/** The newest modification time of any file under `path` (0 when there is none). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (stat.isFile()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newest(join(path, entry))));
}

// Stacks the end-to-end tests start run the build, as `npm start` does: seconds sooner and a CPU-second cheaper per
// process than compiling TypeScript in each. A build older than its sources is made again first, so no test runs
// code that was since changed.
if (newest('src') > newest('dist/cli') || newest('web/src') > newest('dist/console')) {
  console.log('the build is older than the sources: npm run build');
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['test'];
const files = roots.flatMap(collect);
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// The timeout bounds each file as well as each test: a file that starts whole stacks takes about 70 s alone and up to
// twice that beside another file on two cores, so the bound catches hangs, not slow machines.
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=180000', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
