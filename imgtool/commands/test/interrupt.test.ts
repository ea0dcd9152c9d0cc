// Ctrl-C in the middle of a layer: the CLI stops, says so, and leaves no bundle, no mount and no
// partial layer in the cache.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { isMountPoint } from '../../bundle/overlay-mount.ts';
import { writeLayout } from '../../test/oci-layout-builder.ts';
import { makeTar, type TestEntry } from '../../test/tar-writer.ts';

const main = join(import.meta.dirname, '..', '..', 'cli', 'main.ts');
const dir = mkdtempSync(join(tmpdir(), 'tsimg-interrupt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// The last mode extracts two such layers at once on worker threads.
for (const mode of ['--no-overlay', '--overlay', '--overlay --jobs 2']) {
  test(`${mode}: SIGINT during a layer cleans up`, { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
    const store = join(dir, `store${mode.replace(/\W+/g, '-')}`);
    // Many small files: seconds of work, so the signal lands inside the layer.
    const layer = (n: number) => {
      const entries: TestEntry[] = [{ name: `many${n}/`, type: 'dir' }];
      for (let i = 0; i < 60_000; i++) entries.push({ name: `many${n}/f${i}`, body: `file ${i}` });
      return makeTar(entries);
    };
    writeLayout(store, [{ tag: 'many', layers: mode.includes('--jobs') ? [layer(1), layer(2)] : [layer(1)] }]);
    const bundle = join(dir, `bundle${mode.replace(/\W+/g, '-')}`);
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'unpack', '--root', store, ...mode.split(' '), 'many', bundle], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    // Wait until files are being written, then interrupt.
    const overlay = mode !== '--no-overlay';
    const temps = join(store, 'layers', 'tmp');
    const writing = () => overlay
      ? existsSync(temps) && readdirSync(temps).some((t) => readdirSync(join(temps, t)).length > 0)
      : existsSync(join(bundle, 'rootfs', 'many1')) && readdirSync(join(bundle, 'rootfs', 'many1')).length > 0;
    for (let i = 0; i < 1000 && !writing(); i++) await sleep(10);
    assert.ok(writing(), 'the layer was being applied when the signal came');
    child.kill('SIGINT');
    const [code] = await exited;
    assert.notEqual(code, 0);
    assert.match(stderr, /interrupted; the partial bundle and layer were removed/);
    assert.equal(existsSync(bundle), false, 'no bundle directory');
    assert.equal(isMountPoint(join(bundle, 'rootfs')), false);
    if (overlay) {
      assert.deepEqual(readdirSync(join(store, 'layers', 'tmp')), []);
      assert.deepEqual(readdirSync(join(store, 'layers', 'sha256')), []);
    }
  });
}
