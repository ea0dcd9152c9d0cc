// End to end, as root: a busybox image (built here from /bin/busybox, User "app") unpacked by the
// CLI and run with the repo's tsrun; then two overlay bundles of one image: one extraction, each
// writable on its own, unmount and rm-bundle undo them. Needs `npm run build` (dist/tsrun).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isMountPoint } from '../../bundle/overlay-mount.ts';
import { busyboxLayer, IMAGE_USER } from '../../test/busybox-image.ts';
import { writeLayout } from '../../test/oci-layout-builder.ts';
import { removeBundlesQuietly } from '../../test/remove-bundles.ts';

const repo = join(import.meta.dirname, '..', '..', '..');
const main = join(repo, 'imgtool', 'cli', 'main.ts');
const tsrun = join(repo, 'dist', 'tsrun');
const isRoot = process.getuid?.() === 0;
const skip = !isRoot ? 'needs root' : !existsSync(tsrun) ? 'needs dist/tsrun (npm run build)' : false;
let dir: string;
let store: string;
const bundles: string[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsimg-e2e-'));
  store = join(dir, 'store');
  writeLayout(store, [{ tag: 'busybox:test', layers: [busyboxLayer()], config: { User: IMAGE_USER.name, Cmd: ['sh', '-c', 'id -u; id -G'], Env: ['GREETING=hi'] } }]);
});

after(() => {
  // Unmount before deleting anything, even when a test failed half way.
  removeBundlesQuietly(bundles);
  rmSync(dir, { recursive: true, force: true });
});

function tsimg(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tsimg ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

function run(bundle: string, id: string): string {
  const state = join(dir, `state-${id}`);
  try {
    const r = spawnSync(process.execPath, [tsrun, '--root', state, 'run', '--bundle', bundle, id], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `tsrun run failed: ${r.stderr}`);
    return r.stdout;
  } finally {
    spawnSync(process.execPath, [tsrun, '--root', state, 'delete', '--force', id], { encoding: 'utf8' });
  }
}

for (const mode of ['--no-overlay', '--overlay']) {
  test(`${mode}: the image runs with tsrun as its named user`, { skip }, () => {
    const bundle = join(dir, `run${mode}`);
    bundles.push(bundle);
    tsimg('unpack', '--root', store, mode, 'busybox:test', bundle);
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    assert.deepEqual(config.process.user, { uid: IMAGE_USER.uid, gid: IMAGE_USER.gid, additionalGids: IMAGE_USER.supplementary });
    assert.ok(config.process.env.includes('GREETING=hi') && config.process.env.some((e: string) => e.startsWith('PATH=')));
    const out = run(bundle, `e2e${mode.replace(/-/g, '')}`);
    assert.equal(out, `${IMAGE_USER.uid}\n${[IMAGE_USER.gid, ...IMAGE_USER.supplementary].join(' ')}\n`);
  });
}

test('CLI overrides: args after --, user, env, cwd', { skip }, () => {
  const bundle = join(dir, 'overrides');
  bundles.push(bundle);
  tsimg('unpack', '--root', store, '--no-overlay', '--user', '0:4567', '--env', 'GREETING=bye', '--cwd', '/tmp', 'busybox:test', bundle, '--', 'sh', '-c', 'echo "$GREETING $(pwd) $(id -u):$(id -G)"');
  assert.equal(run(bundle, 'e2eoverrides'), 'bye /tmp 0:4567\n');
});

test('two overlay bundles of one image: one extraction, independent writes, unmount and rm-bundle clean up', { skip }, async () => {
  const a = join(dir, 'ov-a');
  const b = join(dir, 'ov-b');
  bundles.push(a, b);
  const ra = tsimg('unpack', '--root', store, '--overlay', 'busybox:test', a);
  const rb = tsimg('unpack', '--root', store, '--overlay', 'busybox:test', b);
  // The store may already hold the layer from the test above; either way the second bundle extracts nothing.
  assert.match(ra.stderr, /\(overlay, [01] layer\(s\) extracted/);
  assert.match(rb.stderr, /\(overlay, 0 layer\(s\) extracted/);
  assert.equal(readdirSync(join(store, 'layers', 'sha256')).length, 1, 'one cached layer directory');
  writeFileSync(join(a, 'rootfs', 'etc', 'hostname'), 'only-in-a\n');
  assert.equal(existsSync(join(b, 'rootfs', 'etc', 'hostname')), false, 'a write in one bundle is not seen in the other');
  assert.equal(readFileSync(join(a, 'overlay', 'upper', 'etc', 'hostname'), 'utf8'), 'only-in-a\n', 'it lands in the bundle\'s own upper dir');
  const cached = join(store, 'layers', 'sha256', readdirSync(join(store, 'layers', 'sha256'))[0]!);
  assert.equal(existsSync(join(cached, 'etc', 'hostname')), false, 'the cached layer is not modified');
  // The container can write too, into its own bundle only.
  assert.equal(run(b, 'e2eovb').length > 0, true);
  // A process with its cwd inside keeps the mount busy: unmount must say so and change nothing.
  const holder = spawn('sleep', ['30'], { cwd: join(a, 'rootfs'), stdio: 'ignore' });
  try {
    const busy = spawnSync(process.execPath, ['--import', 'tsx', main, 'unmount', a], { encoding: 'utf8' });
    assert.notEqual(busy.status, 0);
    assert.match(busy.stderr, /rootfs is busy: a container may still run from this bundle/);
    assert.equal(isMountPoint(join(a, 'rootfs')), true);
  } finally {
    holder.kill('SIGKILL');
    await once(holder, 'exit');
  }
  tsimg('unmount', a);
  assert.equal(isMountPoint(join(a, 'rootfs')), false);
  assert.deepEqual(readdirSync(join(a, 'rootfs')), [], 'the mount point is empty once unmounted');
  tsimg('rm-bundle', a);
  tsimg('rm-bundle', b);
  assert.equal(existsSync(a) || existsSync(b), false);
});

test('--overlay with --uid-map/--gid-map: the container runs in a user namespace over mapped cached layers', { skip }, () => {
  // The container's root is host uid 100000 here, which must be able to reach the bundle.
  chmodSync(dir, 0o711);
  const mappedStore = join(dir, 'store-mapped');
  writeLayout(mappedStore, [{ tag: 'busybox:test', layers: [busyboxLayer()], config: { User: IMAGE_USER.name } }]);
  const bundle = join(dir, 'mapped-overlay');
  bundles.push(bundle);
  const maps = ['--uid-map', '0:100000:65536', '--gid-map', '0:100000:65536'];
  const r = tsimg('unpack', '--root', mappedStore, '--overlay', ...maps, 'busybox:test', bundle, '--', 'sh', '-c', 'id -u; stat -c %u:%g /bin/busybox; echo x > /tmp/w && cat /tmp/w');
  assert.match(r.stderr, /\(overlay, 1 layer\(s\) extracted/);
  const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  assert.deepEqual(config.linux.uidMappings, [{ containerID: 0, hostID: 100000, size: 65536 }]);
  assert.equal(run(bundle, 'e2emapped'), `${IMAGE_USER.uid}\n0:0\nx\n`, 'owners appear unmapped inside, the rootfs is writable');
  const cached = readdirSync(join(mappedStore, 'layers', 'sha256'));
  assert.equal(cached.length, 1);
  assert.match(cached[0]!, /^[0-9a-f]{64}-map-[0-9a-f]{16}$/);
});
