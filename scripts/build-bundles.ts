/**
 * Bundles tsrun into one CommonJS file, dist/tsrun-main.cjs, started by dist/tsrun.cjs (the
 * loader, with a V8 code cache; dist/tsrun links to it). Measured here,
 * CommonJS starts ~20 ms sooner than the same code as ES module chunks: Node 20's ESM loader
 * resolves and links asynchronously. Commands stay lazy: esbuild turns each `import()` of a
 * command into a wrapper that runs that module's code only when the command is called.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
} catch {
  /* not a git checkout */
}

const helper = 'runtime/native/build/tsrun-init';
rmSync('dist', { recursive: true, force: true });
// Both bundles: CommonJS for Node 20, minified, with the version and commit built in.
const bundle = (entry: string, outfile: string, shebang = '') => build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  // import.meta does not exist in CommonJS: give the one module that asks its file URL.
  banner: { js: `${shebang}const __tsrun_import_meta_url = require("node:url").pathToFileURL(__filename).href;` },
  define: {
    __TSRUN_VERSION__: JSON.stringify(pkg.version),
    __TSRUN_COMMIT__: JSON.stringify(commit),
    'import.meta.url': '__tsrun_import_meta_url',
  },
  logLevel: 'warning',
});
await bundle('runtime/cli/main.ts', 'dist/tsrun-main.cjs');
// containerd-shim-tsrun-v2: the same way, its own bundle (containerd runs it for `start`, `delete`
// and as the daemon); protobufjs, grpc-js and koffi stay in node_modules, loaded when first used.
await bundle('runtime/shim/main.ts', 'dist/containerd-shim-tsrun-v2.cjs');
// Its entry is a small sh launcher that answers the common `start` and `delete` without Node.
writeFileSync('dist/containerd-shim-tsrun-v2', readFileSync('scripts/shim-launcher.sh', 'utf8').replace('@NODE@', `'${process.execPath}'`));
chmodSync('dist/containerd-shim-tsrun-v2', 0o755);
// tsimg is an ES module bundle, not CommonJS like tsrun: yargs 18 is ESM-only and reads import.meta.url,
// which a CommonJS bundle breaks (PLATFORM-NOTES.md). tsimg is for people at a terminal, so the ~20 ms
// that CommonJS would save at startup does not matter here. The bundle is its own launcher (a shebang);
// TSIMG_BUNDLE tells cli/main.ts to run, whatever path (an npm bin symlink) it was started through.
await build({
  entryPoints: ['imgtool/cli/main.ts'],
  outfile: 'dist/tsimg.mjs',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  legalComments: 'none',
  banner: { js: '#!/usr/bin/env node\nimport { createRequire as __tsimgCreateRequire } from "node:module"; const require = __tsimgCreateRequire(import.meta.url);' },
  define: { 'process.env.TSIMG_BUNDLE': JSON.stringify('1'), 'process.env.TSIMG_VERSION': JSON.stringify(`${pkg.version} (${commit.slice(0, 12)})`) },
  logLevel: 'warning',
});
chmodSync('dist/tsimg.mjs', 0o755);
// The node that builds is the node that runs (npm ci builds on the machine): naming it in the
// shebang spares every call an exec of /usr/bin/env and a walk of $PATH. Rebuild after moving node.
writeFileSync('dist/tsrun.cjs', readFileSync('scripts/tsrun-loader.cjs', 'utf8').replace(/^#!.*\n/, `#!${process.execPath}\n`));
chmodSync('dist/tsrun.cjs', 0o755);
symlinkSync('tsrun.cjs', 'dist/tsrun');

// Warm the V8 code cache with the path every create takes: argument parsing, the state store,
// validation, cgroups, the plan, the helper, and the clean-up after a failure. As root that is a
// real create whose program does not exist in the rootfs, so it fails inside the container just
// before it would be ready (under a temporary --root and cgroup parent, both removed); otherwise
// a create whose rootfs is missing. The loader writes the compiled code when TSRUN_CODE_CACHE=write.
const warm = mkdtempSync(join(tmpdir(), 'tsrun-warm-'));
const cgroupParent = `tsrun-build-warm-${process.pid}`;
try {
  const tsrun = (args: string[]) => spawnSync(process.execPath, ['dist/tsrun.cjs', '--root', join(warm, 'state'), ...args], { env: { ...process.env, TSRUN_CODE_CACHE: 'write' }, stdio: 'ignore' });
  tsrun(['spec', '--bundle', warm]);
  const config = JSON.parse(readFileSync(join(warm, 'config.json'), 'utf8')) as { root: { path: string }; process: { terminal: boolean; args: string[] }; linux: Record<string, unknown> };
  const asRoot = process.getuid?.() === 0 && existsSync('/bin/busybox') && existsSync(helper);
  if (asRoot) {
    mkdirSync(join(warm, 'rootfs/bin'), { recursive: true });
    copyFileSync('/bin/busybox', join(warm, 'rootfs/bin/busybox'));
    config.process.args = ['/bin/no-such-program'];
    config.linux.cgroupsPath = `/${cgroupParent}/warm`;
  } else {
    config.root.path = join(warm, 'no-rootfs');
  }
  config.process.terminal = false;
  writeFileSync(join(warm, 'config.json'), JSON.stringify(config));
  tsrun(['create', '--bundle', warm, 'warm']);
} finally {
  rmSync(warm, { recursive: true, force: true });
  for (const h of existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup') : []) {
    try { rmdirSync(join('/sys/fs/cgroup', h, cgroupParent)); } catch { /* not made there */ }
  }
}
console.log('built dist/tsimg.mjs');
console.log(`built dist/tsrun.cjs (tsrun ${pkg.version}, commit ${commit.slice(0, 12)}; code cache ${existsSync('dist/tsrun-main.cjs.cache') ? 'written' : 'MISSING'})`);
