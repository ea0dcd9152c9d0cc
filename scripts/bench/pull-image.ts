/**
 * Builds the pull benchmark's image: an OCI layout with a Debian bookworm minbase tree (debootstrap) in
 * four gzip layers (usr/lib, usr/share, the rest of usr, everything else), cached under /var/tmp so that
 * reruns skip debootstrap and compression. tar does the archiving (it keeps owners, devices and links).
 *
 *   tsx scripts/bench/pull-image.ts CACHE_DIR     -> prints the layout path; the image is named "bench"
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { MediaType } from '../../imgtool/registry/media-types.ts';
import { OciStore } from '../../imgtool/store/layout.ts';

const cache = process.argv[2] ?? '/var/tmp/tsimg-pull-bench';
const rootfs = join(cache, 'rootfs');
const layout = join(cache, 'image');
const MIRROR = 'http://deb.debian.org/debian';

if (!existsSync(rootfs)) {
  mkdirSync(cache, { recursive: true });
  rmSync(`${rootfs}.tmp`, { recursive: true, force: true });
  process.stderr.write(`debootstrap bookworm minbase into ${rootfs} (a few minutes, once)\n`);
  execFileSync('debootstrap', ['--variant=minbase', '--include=python3,perl', 'bookworm', `${rootfs}.tmp`, MIRROR], { stdio: ['ignore', 'ignore', 'inherit'] });
  renameSync(`${rootfs}.tmp`, rootfs);
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

if (!existsSync(join(layout, 'index.json'))) {
  const building = `${layout}.tmp`;
  rmSync(building, { recursive: true, force: true });
  const store = OciStore.open(building);
  const groups: string[][] = [['--', 'usr/lib'], ['--', 'usr/share'], ['--exclude=usr/lib', '--exclude=usr/share', '--', 'usr'], ['--exclude=./usr', '--', '.']];
  const layers = [];
  const diffIds = [];
  for (const [i, group] of groups.entries()) {
    process.stderr.write(`layer ${i + 1}/${groups.length}: ${group.filter((g) => !g.startsWith('-')).join(' ')}\n`);
    const gzPath = join(building, `layer${i}.tar.gz`);
    const tar = spawn('tar', ['--numeric-owner', '--xattrs', '-C', rootfs, '-cf', '-', ...group], { stdio: ['ignore', 'pipe', 'inherit'] });
    const diff = createHash('sha256');
    tar.stdout.on('data', (c: Buffer) => diff.update(c));
    await pipeline(tar.stdout, createGzip({ level: 6 }), createWriteStream(gzPath));
    const digest = await sha256File(gzPath);
    const size = statSync(gzPath).size;
    await store.writeBlobStream(digest, size, createReadStream(gzPath), gzPath);
    rmSync(gzPath);
    layers.push({ mediaType: MediaType.ociLayerGzip, digest, size });
    diffIds.push(`sha256:${diff.digest('hex')}`);
  }
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/bash'] }, rootfs: { type: 'layers', diff_ids: diffIds } }));
  const configDescriptor = { mediaType: MediaType.ociConfig, digest: await store.writeBlobBytes(config), size: config.length };
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: configDescriptor, layers }));
  await store.setRef('bench', { mediaType: MediaType.ociManifest, digest: await store.writeBlobBytes(manifest), size: manifest.length });
  renameSync(building, layout);
}
process.stdout.write(`${layout}\n`);
