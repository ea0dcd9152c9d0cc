/**
 * Builds the tests' images from Debian's busybox-static into an OCI layout directory: three gzip layers
 * (the busybox binary; sh/ls symlinks and a directory; a text file that names the platform), an OCI
 * manifest ("oci"; tests push it as Docker schema 2 with skopeo --format v2s2), and an OCI index with
 * linux/amd64 and linux/arm64 ("multi"; the arm64 image differs in its text layer). Nothing downloaded.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { MediaType } from '../registry/media-types.ts';
import { sha256Digest } from '../store/digest.ts';
import { type Descriptor, OciStore } from '../store/layout.ts';

interface Entry {
  name: string;
  type?: 'file' | 'directory' | 'symlink';
  content?: Buffer;
  linkname?: string;
  mode?: number;
}

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  for (const e of entries) {
    const header = { name: e.name, type: e.type ?? 'file', mode: e.mode ?? 0o644, mtime: new Date(0), linkname: e.linkname, size: e.content?.length ?? 0 };
    await new Promise<void>((resolve, reject) => pack.entry(header, e.content ?? '', (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface BuiltImage {
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
}

export interface BuiltImages {
  oci: BuiltImage;
  amd64: BuiltImage;
  arm64: BuiltImage;
  index: Descriptor;
}

async function buildImage(store: OciStore, arch: string, note: string): Promise<BuiltImage> {
  const busybox = readFileSync('/bin/busybox');
  const tars = [
    await tarOf([{ name: 'bin/', type: 'directory', mode: 0o755 }, { name: 'bin/busybox', content: busybox, mode: 0o755 }]),
    await tarOf([
      { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
      { name: 'bin/ls', type: 'symlink', linkname: 'busybox' },
      { name: 'tmp/', type: 'directory', mode: 0o1777 },
    ]),
    await tarOf([{ name: 'etc/', type: 'directory', mode: 0o755 }, { name: 'etc/tsimg-test', content: Buffer.from(`${note} ${arch}\n`) }]),
  ];
  const layerType = MediaType.ociLayerGzip;
  const layers: Descriptor[] = [];
  for (const t of tars) {
    const gz = gzipSync(t);
    layers.push({ mediaType: layerType, digest: await store.writeBlobBytes(gz), size: gz.length });
  }
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      architecture: arch,
      os: 'linux',
      config: { Cmd: ['/bin/sh'], Env: ['PATH=/bin'], Labels: { 'org.tsimg.test': note } },
      rootfs: { type: 'layers', diff_ids: tars.map((t) => `sha256:${createHash('sha256').update(t).digest('hex')}`) },
      history: [{ created_by: 'busybox binary' }, { created_by: 'symlinks' }, { created_by: `note ${note}` }],
    }),
  );
  const configDescriptor = { mediaType: MediaType.ociConfig, digest: await store.writeBlobBytes(config), size: config.length };
  const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: configDescriptor, layers }));
  const manifest = { mediaType: MediaType.ociManifest, digest: await store.writeBlobBytes(manifestBytes), size: manifestBytes.length };
  return { manifest, config: configDescriptor, layers };
}

/** Writes the images into an OCI layout at `dir` (created) under the names oci, docker and multi. */
export async function buildTestImages(dir: string, note = 'tsimg'): Promise<BuiltImages> {
  const store = OciStore.open(dir);
  const oci = await buildImage(store, 'amd64', note);
  const amd64 = oci;
  const arm64 = await buildImage(store, 'arm64', `${note}-arm`);
  const indexBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        { ...amd64.manifest, platform: { architecture: 'amd64', os: 'linux' } },
        { ...arm64.manifest, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
      ],
    }),
  );
  const index = { mediaType: MediaType.ociIndex, digest: sha256Digest(indexBytes), size: indexBytes.length };
  await store.writeBlobBytes(indexBytes);
  await store.setRef('oci', oci.manifest);
  await store.setRef('multi', index);
  return { oci, amd64, arm64, index };
}
