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

for (const mode of ['--no-overlay', '--overlay']) {
  test(`${mode}: SIGINT during a layer cleans up`, { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
    const store = join(dir, `store${mode}`);
    // Many small files: seconds of work, so the signal lands inside the layer.
    const entries: TestEntry[] = [{ name: 'many/', type: 'dir' }];
    for (let i = 0; i < 60_000; i++) entries.push({ name: `many/f${i}`, body: `file ${i}` });
    writeLayout(store, [{ tag: 'many', layers: [makeTar(entries)] }]);
    const bundle = join(dir, `bundle${mode}`);
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'unpack', '--root', store, mode, 'many', bundle], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    // Wait until files are being written, then interrupt.
    const target = mode === '--overlay' ? join(store, 'layers', 'tmp') : join(bundle, 'rootfs', 'many');
    for (let i = 0; i < 400 && !(existsSync(target) && readdirSync(target).length > 0); i++) await sleep(10);
    assert.ok(existsSync(target), 'the layer was being applied when the signal came');
    child.kill('SIGINT');
    const [code] = await exited;
    assert.notEqual(code, 0);
    assert.match(stderr, /interrupted; the partial bundle and layer were removed/);
    assert.equal(existsSync(bundle), false, 'no bundle directory');
    assert.equal(isMountPoint(join(bundle, 'rootfs')), false);
    if (mode === '--overlay') {
      assert.deepEqual(readdirSync(join(store, 'layers', 'tmp')), []);
      assert.deepEqual(readdirSync(join(store, 'layers', 'sha256')), []);
    }
  });
}
