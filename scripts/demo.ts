/**
 * The main job, end to end, on a fresh machine with no internet: an image built here from Debian's
 * busybox-static (a named user in /etc/passwd, `User: "app"`) is pushed with tsimg to a local
 * docker-registry on 127.0.0.1, then `tsimg pull`, `tsimg unpack` (an overlay bundle) and
 * `tsrun run`. Everything lives under a temporary directory and is removed at the end.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxLayer } from '../imgtool/test/busybox-image.ts';
import { writeLayout } from '../imgtool/test/oci-layout-builder.ts';
import { startRegistry } from '../imgtool/test/registry-server.ts';

const repo = join(import.meta.dirname, '..');
const tsimg = join(repo, 'dist/tsimg.cjs');
const tsrun = join(repo, 'dist/tsrun');
const work = mkdtempSync(join(tmpdir(), 'tsrun-demo-'));
const store = join(work, 'store');
const bundle = join(work, 'bundle');
const state = join(work, 'state');

function step(cmd: string, args: string[]): void {
  console.log(`+ ${[cmd.replace(`${repo}/`, ''), ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} exited with ${r.status}`);
}

const registry = await startRegistry('open');
try {
  const image = `${registry.host}/demo/busybox:latest`;
  writeLayout(join(work, 'layout'), [{
    tag: 'latest',
    layers: [busyboxLayer()],
    config: { User: 'app', Env: ['PATH=/bin'], Cmd: ['sh', '-c', 'echo "hello from $(hostname), I am $(id -un) ($(id -u)), groups $(id -G), pid $$"; grep CapEff /proc/self/status'] },
  }]);
  step(tsimg, ['copy', `oci:${join(work, 'layout')}:latest`, `docker://${image}`]);
  step(tsimg, ['--root', store, 'pull', image]);
  step(tsimg, ['--root', store, 'unpack', '--hostname', 'tsimg-demo', image, bundle]);
  step(tsrun, ['--root', state, 'run', '--bundle', bundle, 'demo']);
  console.log('+ exit status: 0');
} finally {
  spawnSync(tsrun, ['--root', state, 'delete', '--force', 'demo'], { stdio: 'ignore' });
  spawnSync(tsimg, ['rm-bundle', bundle], { stdio: 'ignore' });
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
  execFileSync('sh', ['-c', 'rmdir /sys/fs/cgroup/*/demo 2>/dev/null || true']);
}
