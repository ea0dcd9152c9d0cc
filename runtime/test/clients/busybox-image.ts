/**
 * A busybox image built by the tests themselves (no registry, no internet): Debian's static
 * busybox in one layer, written as a docker-archive tar that `ctr image import`, `docker load`
 * and `podman load` all read.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs } from '../harness.ts';

export const IMAGE_NAME = 'tsrun-test/busybox:latest';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function tar(args: string[]): void {
  const r = spawnSync('tar', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar ${args.join(' ')}: ${r.stderr}`);
}

/** Writes the archive to `path` and returns the image's name (as docker load reports it). */
export function buildBusyboxArchive(path: string): string {
  const work = mkdtempSync(join(tmpdir(), 'tsrun-image-'));
  try {
    const rootfs = busyboxRootfs(join(work, 'rootfs'));
    const layer = join(work, 'layer.tar');
    // Fixed owner and mtime: the same input gives the same layer digest.
    tar(['--numeric-owner', '--owner=0', '--group=0', '--mtime=2026-01-01', '--sort=name', '-C', rootfs, '-cf', layer, '.']);
    const diffId = `sha256:${sha256(readFileSync(layer))}`;
    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2026-01-01T00:00:00Z',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: '2026-01-01T00:00:00Z', created_by: 'tsrun tests: busybox-static' }],
    });
    const configName = `${sha256(config)}.json`;
    const out = join(work, 'archive');
    const layerDir = diffId.slice(7);
    mkdirSync(join(out, layerDir), { recursive: true });
    renameSync(layer, join(out, layerDir, 'layer.tar'));
    writeFileSync(join(out, configName), config);
    writeFileSync(join(out, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: [IMAGE_NAME], Layers: [`${layerDir}/layer.tar`] }]));
    const [repo, tag] = IMAGE_NAME.split(':');
    writeFileSync(join(out, 'repositories'), JSON.stringify({ [repo!]: { [tag!]: layerDir } }));
    tar(['-C', out, '-cf', path, '.']);
    return IMAGE_NAME;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
