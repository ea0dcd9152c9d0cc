import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';

export interface TestImage {
  tag: string;
  layers: Buffer[];
  /** Per layer; gzip by default. */
  compression?: ('gzip' | 'zstd' | 'none')[];
  config?: Record<string, unknown>;
  /** Replaces the real diffIDs (to test verification). */
  diffIDs?: string[];
  /** Replaces layer blobs after digests were computed from the real ones (a corrupt store). */
  corruptBlobs?: (Buffer | undefined)[];
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function putBlob(layout: string, data: Buffer): { digest: string; size: number } {
  const hex = sha(data);
  writeFileSync(join(layout, 'blobs', 'sha256', hex), data);
  return { digest: `sha256:${hex}`, size: data.length };
}

const MEDIA = { gzip: 'application/vnd.oci.image.layer.v1.tar+gzip', zstd: 'application/vnd.oci.image.layer.v1.tar+zstd', none: 'application/vnd.oci.image.layer.v1.tar' };

/** Writes an OCI image layout (as skopeo and umoci read it) holding the given images under their tags. */
export function writeLayout(layout: string, images: TestImage[]): void {
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const manifests = images.map((img) => {
    const layerDescs = img.layers.map((tar, i) => {
      const c = img.compression?.[i] ?? 'gzip';
      const blob = c === 'gzip' ? gzipSync(tar) : c === 'zstd' ? execFileSync('zstd', ['-q', '-c'], { input: tar, maxBuffer: 1 << 30 }) : tar;
      const desc = putBlob(layout, blob);
      const corrupt = img.corruptBlobs?.[i];
      if (corrupt) writeFileSync(join(layout, 'blobs', 'sha256', desc.digest.slice(7)), corrupt);
      return { mediaType: MEDIA[c], ...desc };
    });
    const config = Buffer.from(JSON.stringify({
      architecture: 'amd64', os: 'linux',
      config: img.config ?? { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: img.diffIDs ?? img.layers.map((t) => `sha256:${sha(t)}`) },
    }));
    const configDesc = { mediaType: 'application/vnd.oci.image.config.v1+json', ...putBlob(layout, config) };
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDesc, layers: layerDescs }));
    return { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...putBlob(layout, manifest), annotations: { 'org.opencontainers.image.ref.name': img.tag } };
  });
  writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
}
