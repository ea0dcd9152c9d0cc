/**
 * Bundles tsrun into one CommonJS file, dist/tsrun-main.cjs, started by dist/tsrun.cjs (the
 * loader, with a V8 code cache; dist/tsrun links to it), and tsimg the same way (dist/tsimg.cjs,
 * dist/tsimg-main.cjs, and its layer worker dist/tsimg-layer-worker.cjs). Measured here,
 * CommonJS starts ~20 ms sooner than the same code as ES module chunks: Node 20's ESM loader
 * resolves and links asynchronously. Commands stay lazy: esbuild turns each `import()` of a
 * command into a wrapper that runs that module's code only when the command is called.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { writeLayout } from '../imgtool/test/oci-layout-builder.ts';
import { makeTar } from '../imgtool/test/tar-writer.ts';

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
const bundle = (entry: string, outfile: string, shebang = '', define: Record<string, string> = {}, plugins: Plugin[] = []) => build({
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
    ...define,
  },
  plugins,
  logLevel: 'warning',
});
await bundle('runtime/cli/main.ts', 'dist/tsrun-main.cjs');
// dist/tsrun-light.cjs: the same CLI without the commands that make processes or validate
// documents (config validation, the plan, seccomp, the helper's launch: five sixths of the code).
// Every call pays for reading and compiling its bundle (~10 ms for the full one here), and the
// calls an orchestrator makes most (start, state, kill, delete) need none of that. The loader
// starts this bundle unless a word of the command line names one of FULL_BUNDLE_COMMANDS.
const FULL_BUNDLE_COMMANDS = ['create', 'run', 'exec', 'update'];
const fullOnly: Plugin = {
  name: 'tsrun-light',
  setup(b) {
    const filter = new RegExp(`/commands/(${FULL_BUNDLE_COMMANDS.join('|')})\\.ts$`);
    b.onResolve({ filter }, (a) => ({ path: a.path, namespace: 'full-bundle-only' }));
    b.onLoad({ filter: /.*/, namespace: 'full-bundle-only' }, (a) => ({
      contents: `export default () => { throw new Error(${JSON.stringify(`${a.path} is in dist/tsrun-main.cjs only: scripts/tsrun-loader.cjs should have started that bundle`)}); };`,
      loader: 'js',
    }));
  },
};
await bundle('runtime/cli/main.ts', 'dist/tsrun-light.cjs', '', {}, [fullOnly]);
// containerd-shim-tsrun-v2: the same way, its own bundle (containerd runs it for `start`, `delete`
// and as the daemon); protobufjs, grpc-js and koffi stay in node_modules, loaded when first used.
await bundle('runtime/shim/main.ts', 'dist/containerd-shim-tsrun-v2.cjs');
// Its entry is a small sh launcher that answers the common `start` and `delete` without Node.
writeFileSync('dist/containerd-shim-tsrun-v2', readFileSync('scripts/shim-launcher.sh', 'utf8').replace('@NODE@', `'${process.execPath}'`));
chmodSync('dist/containerd-shim-tsrun-v2', 0o755);
/**
 * yargs measures the width of help text with string-width (three copies, through cliui and
 * wrap-ansi), whose modules build an Intl.Segmenter (ICU data, ~9 ms) and a \p{RGI_Emoji} regex
 * (~14 ms) when loaded: a third of tsimg's start-up, for help text that is rarely printed. In the
 * bundle each copy is replaced by a wrapper that loads the real module on its first call.
 */
const lazyStringWidth: Plugin = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === 'real') return undefined;
      const real = await b.resolve('string-width', { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'real' });
      if (real.errors.length) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      contents: `let real; export default function stringWidth(text, options) { real ??= require(${JSON.stringify(args.path)}).default; return real(text, options); }`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * yargs' platform shim imports strictEqual and notStrictEqual from 'assert' and calls them while it
 * parses; loading node:assert costs ~10 ms of every tsimg start (measured with --cpu-prof). In the
 * bundle they are replaced by the same checks (Object.is, as node:assert's strict forms), which
 * hand a failing case to the real node:assert, so a failure throws the same AssertionError.
 */
const lightAssert: Plugin = {
  name: 'light-assert',
  setup(b) {
    b.onResolve({ filter: /^assert$/ }, (args) => (/[/\\]yargs[/\\]/.test(args.importer) ? { path: 'assert', namespace: 'light-assert' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'light-assert' }, () => ({
      contents: 'export function strictEqual(a, b, m) { if (!Object.is(a, b)) require("node:assert").strictEqual(a, b, m); }\n'
        + 'export function notStrictEqual(a, b, m) { if (Object.is(a, b)) require("node:assert").notStrictEqual(a, b, m); }\n',
      loader: 'js',
    }));
  },
};

// tsimg the same way: CommonJS run from a code cache by the same loader (dist/tsimg.cjs). yargs 18
// is ESM-only and reads import.meta.url only to find its locale files (absent from dist/ either
// way, so it speaks its built-in English) and its own package root: the banner's file URL stands
// in. TSIMG_BUNDLE tells cli/main.ts to run, whatever path (an npm bin symlink) it was started by.
await bundle('imgtool/cli/main.ts', 'dist/tsimg-main.cjs', '', {
  'process.env.TSIMG_BUNDLE': JSON.stringify('1'),
  'process.env.TSIMG_VERSION': JSON.stringify(`${pkg.version} (${commit.slice(0, 12)})`),
}, [lazyStringWidth, lightAssert]);
// The worker thread that extracts layers in parallel (imgtool/bundle/layer-pool.ts) starts from its own small bundle.
await bundle('imgtool/bundle/layer-worker.ts', 'dist/tsimg-layer-worker.cjs');
// The node that builds is the node that runs (npm ci builds on the machine): naming it in the
// loader's exec spares every call a walk of $PATH. Rebuild after moving node.
const loader = readFileSync('scripts/tsrun-loader.cjs', 'utf8').replace(/exec node "\$0"/, `exec '${process.execPath}' "$0"`);
if (!loader.includes(`exec '${process.execPath}'`)) throw new Error('scripts/tsrun-loader.cjs: its exec line was not found');
if (!loader.includes(`new Set(${JSON.stringify(FULL_BUNDLE_COMMANDS).replaceAll('"', "'").replaceAll(',', ', ')})`))
  throw new Error(`scripts/tsrun-loader.cjs: its FULL_BUNDLE_COMMANDS must be ${FULL_BUNDLE_COMMANDS.join(', ')}, as the light bundle is built`);
for (const name of ['tsrun', 'tsimg']) {
  writeFileSync(`dist/${name}.cjs`, loader);
  chmodSync(`dist/${name}.cjs`, 0o755);
  symlinkSync(`${name}.cjs`, `dist/${name}`);
}

// Warm the V8 code cache with the path every create takes: argument parsing, the state store,
// validation, cgroups, the plan, the helper, and the clean-up after a failure. As root that is a
// real create whose program does not exist in the rootfs, so it fails inside the container just
// before it would be ready (under a temporary --root and cgroup parent, both removed); otherwise
// a create whose rootfs is missing. The loader writes the compiled code when TSRUN_CODE_CACHE=write.
// As root a second container then warms the light bundle's cache (start, state, list, kill, delete).
const warm = mkdtempSync(join(tmpdir(), 'tsrun-warm-'));
const cgroupParent = `tsrun-build-warm-${process.pid}`;
const tsrun = (args: string[]) => spawnSync(process.execPath, ['dist/tsrun.cjs', '--root', join(warm, 'state'), ...args], { env: { ...process.env, TSRUN_CODE_CACHE: 'write' }, stdio: 'ignore' });
try {
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
  // The light bundle's cache: a container that lives through start, state, kill and delete.
  if (asRoot) {
    config.process.args = ['/bin/busybox', 'sleep', '10'];
    config.linux.cgroupsPath = `/${cgroupParent}/warm2`;
    writeFileSync(join(warm, 'config.json'), JSON.stringify(config));
    tsrun(['create', '--bundle', warm, 'warm2']);
    for (const args of [['start', 'warm2'], ['state', 'warm2'], ['list'], ['kill', 'warm2', 'KILL'], ['state', 'warm2'], ['delete', '--force', 'warm2'], ['delete', '--force', 'warm2']]) tsrun(args);
  }
} finally {
  if (existsSync(join(warm, 'state/warm2'))) tsrun(['delete', '--force', 'warm2']);
  rmSync(warm, { recursive: true, force: true });
  for (const h of existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup') : []) {
    try { rmdirSync(join('/sys/fs/cgroup', h, cgroupParent)); } catch { /* not made there */ }
  }
}
warmTsimgCodeCache();
console.log(`built dist/tsimg.cjs (code cache ${existsSync('dist/tsimg-main.cjs.cache') ? 'written' : 'MISSING'})`);
console.log(`built dist/tsrun.cjs (tsrun ${pkg.version}, commit ${commit.slice(0, 12)}; code cache ${existsSync('dist/tsrun-main.cjs.cache') ? 'written' : 'MISSING'})`);

/**
 * tsimg's code cache is warmed by an overlay unpack of a tiny two-layer image into an empty layer
 * cache (in a temporary store): it runs every function that a second bundle of a cached image (the
 * 50 ms target) runs, and also the extraction, so that a first unpack is not slowed by compiling it.
 * Without root (no overlay), a rootless copy unpack.
 */
function warmTsimgCodeCache(): void {
  const warm = mkdtempSync(join(tmpdir(), 'tsimg-warm-'));
  const tsimg = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, ['dist/tsimg.cjs', ...args], { env: { ...process.env, ...env }, stdio: 'ignore' });
  const overlay = process.getuid?.() === 0 ? '--overlay' : '--no-overlay';
  try {
    writeLayout(join(warm, 'store'), [{
      tag: 'warm',
      layers: [
        makeTar([{ name: 'etc/', type: 'dir' }, { name: 'etc/passwd', body: 'root:x:0:0:root:/root:/bin/sh\n' }, { name: 'etc/group', body: 'root:x:0:\n' }]),
        makeTar([{ name: 'bin/', type: 'dir' }, { name: 'bin/sh', body: '#!/bin/true\n', mode: 0o755 }]),
      ],
    }]);
    tsimg(['unpack', '--root', join(warm, 'store'), overlay, 'warm', join(warm, 'bundle')], { TSRUN_CODE_CACHE: 'write' });
  } finally {
    if (existsSync(join(warm, 'bundle'))) tsimg(['rm-bundle', join(warm, 'bundle')]);
    rmSync(warm, { recursive: true, force: true });
  }
}
