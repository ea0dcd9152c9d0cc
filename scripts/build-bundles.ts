/**
 * Bundles tsrun into dist/ with esbuild: one entry file and a chunk per lazily-loaded command,
 * so each call parses only what it runs (startup cost is a product feature, see DESIGN.md).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
} catch {
  /* not a git checkout */
}

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { tsrun: 'runtime/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  banner: { js: '#!/usr/bin/env node' },
  define: { __TSRUN_VERSION__: JSON.stringify(pkg.version), __TSRUN_COMMIT__: JSON.stringify(commit) },
  logLevel: 'warning',
});
chmodSync('dist/tsrun.mjs', 0o755);
console.log(`built dist/tsrun.mjs (tsrun ${pkg.version}, commit ${commit.slice(0, 12)})`);
