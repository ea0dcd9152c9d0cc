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

// tsimg the same way: CommonJS run from a code cache by the same loader (dist/tsimg.cjs). yargs 18
// is ESM-only and reads import.meta.url only to find its locale files (absent from dist/ either
// way, so it speaks its built-in English) and its own package root: the banner's file URL stands
// in. TSIMG_BUNDLE tells cli/main.ts to run, whatever path (an npm bin symlink) it was started by.
await bundle('imgtool/cli/main.ts', 'dist/tsimg-main.cjs', '', {
  'process.env.TSIMG_BUNDLE': JSON.stringify('1'),
  'process.env.TSIMG_VERSION': JSON.stringify(`${pkg.version} (${commit.slice(0, 12)})`),
}, [lazyStringWidth]);
// The worker thread that extracts layers in parallel (imgtool/bundle/layer-pool.ts) starts from its own small bundle.
await bundle('imgtool/bundle/layer-worker.ts', 'dist/tsimg-layer-worker.cjs');
// The node that builds is the node that runs (npm ci builds on the machine): naming it in the
// shebang spares every call an exec of /usr/bin/env and a walk of $PATH. Rebuild after moving node.
const loader = readFileSync('scripts/tsrun-loader.cjs', 'utf8').replace(/^#!.*\n/, `#!${process.execPath}\n`);
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
