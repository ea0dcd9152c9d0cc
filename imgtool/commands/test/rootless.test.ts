// Rootless unpack: the CLI run as nobody (setpriv) unpacks the rich test image without root:
// files belong to the caller with their modes, device nodes are skipped with a warning (fifos are
// still made), and config.json maps the caller to root in a user namespace. Needs root to drop to nobody.
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeLayout } from '../../test/oci-layout-builder.ts';
import { richLayers } from '../../test/rich-image.ts';

const NOBODY = 65534;
const main = join(import.meta.dirname, '..', '..', 'cli', 'main.ts');
const dir = mkdtempSync(join(tmpdir(), 'tsimg-rootless-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('unpack as an unprivileged user', { skip: process.getuid?.() !== 0 && 'needs root (to become nobody)' }, () => {
  writeLayout(join(dir, 'layout'), [{ tag: 'rich', layers: richLayers() }]);
  chmodSync(dir, 0o777);
  spawnSync('chmod', ['-R', 'a+rX', join(dir, 'layout')]);
  const bundle = join(dir, 'bundle');
  const r = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'env', `HOME=${dir}`,
    process.execPath, '--import', 'tsx', main, 'unpack', '--root', join(dir, 'layout'), 'rich', bundle], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /skipped device node "dev\/null" \(creating device nodes needs root\)/);
  assert.match(r.stderr, /\(copy, 3 layer\(s\) extracted/, 'no overlay without root');
  const rootfs = join(bundle, 'rootfs');
  const tool = lstatSync(join(rootfs, 'bin', 'tool'));
  assert.equal(tool.uid, NOBODY);
  assert.equal(tool.mode & 0o7777, 0o4755, 'setuid kept on a file the caller owns');
  assert.equal(lstatSync(join(rootfs, 'home', 'alice', 'notes')).uid, NOBODY, 'the layer owner 1000 is not applied');
  assert.equal(lstatSync(join(rootfs, 'tmp', 'fifo')).isFIFO(), true);
  assert.equal(lstatSync(join(rootfs, 'dev', 'null'), { throwIfNoEntry: false }), undefined);
  const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  assert.deepEqual(config.linux.uidMappings, [{ containerID: 0, hostID: NOBODY, size: 1 }]);
  assert.ok(config.linux.namespaces.some((n: { type: string }) => n.type === 'user'));
});

test('--overlay as an unprivileged user makes a copy and says why', { skip: process.getuid?.() !== 0 && 'needs root (to become nobody)' }, () => {
  const bundle = join(dir, 'bundle-overlay');
  const r = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'env', `HOME=${dir}`,
    process.execPath, '--import', 'tsx', main, 'unpack', '--root', join(dir, 'layout'), '--overlay', 'rich', bundle], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: --overlay needs root here \(an unprivileged overlay mount would end with tsimg's own namespaces, and fuse-overlayfs is not supported\); made a copy instead/);
  assert.match(r.stderr, /\(copy, 3 layer\(s\) extracted/);
  assert.equal(lstatSync(join(bundle, 'rootfs', 'bin', 'tool')).uid, NOBODY);
});
