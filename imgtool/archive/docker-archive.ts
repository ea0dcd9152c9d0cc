/**
 * docker-archive: the `docker save` format, a tar with manifest.json ([{Config, RepoTags, Layers}]), the
 * config JSON and one uncompressed tar per layer. Import turns each listed image into an OCI manifest
 * (uncompressed OCI layers, the config bytes unchanged); export writes one image that way, decompressing
 * gzip layers so that each layer file hashes to its diff_id, as docker load checks.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parseImageDocument, validateImageConfig } from '../../spec/validate-image.ts';
import { MediaType, isIndex } from '../registry/media-types.ts';
import { hostPlatform, selectPlatform } from '../registry/platform.ts';
import { sha256Digest } from '../store/digest.ts';
import { readIndexBlob, readManifestBlob } from '../store/image-documents.ts';
import type { Descriptor, OciStore } from '../store/layout.ts';
import { markWriteInProgress } from '../store/write-marks.ts';
import { extractTar, writeTar } from './tar-directory.ts';

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

export interface ImportedImage {
  names: string[];
  descriptor: Descriptor;
}

/** Imports every image of the archive; `name` (when given) names the first instead of its RepoTags. */
export async function importDockerArchive(archive: string, store: OciStore, normalize: (tag: string) => string, name?: string): Promise<ImportedImage[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tsimg-docker-archive-'));
  const mark = markWriteInProgress(store.ingestDir);
  const created: string[] = [];
  try {
    await extractTar(archive, dir);
    let entries: DockerManifestEntry[];
    try {
      entries = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as DockerManifestEntry[];
    } catch {
      throw new Error(`${archive}: no readable manifest.json; not a docker-archive (docker save) file`);
    }
    if (!Array.isArray(entries) || entries.length === 0) throw new Error(`${archive}: manifest.json lists no images`);
    const put = async (path: string, what: string): Promise<Descriptor> => {
      const file = join(dir, path);
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        throw new Error(`${archive}: ${what} ${path} named in manifest.json is not in the archive`);
      }
      const digest = await sha256OfFile(file);
      if (!store.hasBlob(digest, size)) {
        await store.writeBlobStream(digest, size, createReadStream(file), `${archive}:${path}`);
        created.push(digest);
      }
      return { mediaType: '', digest, size };
    };
    const imported: ImportedImage[] = [];
    for (const [i, entry] of entries.entries()) {
      const config = { ...(await put(entry.Config, 'config')), mediaType: MediaType.ociConfig };
      // Checked once it is known to exist; a bad one is taken back with the rest in the catch below.
      parseImageDocument(readFileSync(join(dir, entry.Config)), validateImageConfig, `${archive}:${entry.Config}`);
      const layers: Descriptor[] = [];
      for (const layer of entry.Layers) layers.push({ ...(await put(layer, 'layer')), mediaType: MediaType.ociLayer });
      const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers }));
      const descriptor = { mediaType: MediaType.ociManifest, digest: sha256Digest(bytes), size: bytes.length };
      await store.writeBlobBytes(bytes, descriptor.digest);
      const names = i === 0 && name ? [name] : (entry.RepoTags ?? []).map(normalize);
      imported.push({ names, descriptor });
    }
    store.syncBlobDirectory();
    for (const image of imported) for (const n of image.names) await store.setRef(n, image.descriptor);
    return imported;
  } catch (e) {
    await store.removeUnreferenced(created, mark).catch(() => undefined);
    throw e;
  } finally {
    mark.release();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function exportDockerArchive(store: OciStore, descriptor: Descriptor, repoTags: string[], archive: string): Promise<void> {
  let manifestDescriptor = descriptor;
  if (isIndex(descriptor.mediaType)) {
    const present = readIndexBlob(store, descriptor).manifests.filter((m) => store.hasBlob(m.digest));
    const chosen = selectPlatform(present, hostPlatform()) ?? present[0];
    if (!chosen) throw new Error(`${descriptor.digest}: none of the index's images is in the store`);
    manifestDescriptor = chosen;
  }
  const manifest = readManifestBlob(store, manifestDescriptor);
  const dir = mkdtempSync(join(tmpdir(), 'tsimg-docker-archive-'));
  try {
    const files: [string, string][] = [];
    const configName = `${manifest.config.digest.slice(7)}.json`;
    files.push([configName, store.blobPath(manifest.config.digest)]);
    const layerNames: string[] = [];
    for (const layer of manifest.layers) {
      const temp = join(dir, `${layer.digest.slice(7)}.tar`);
      if (layer.mediaType.endsWith('+gzip') || layer.mediaType.endsWith('.gzip')) await pipeline(createReadStream(store.blobPath(layer.digest)), createGunzip(), createWriteStream(temp));
      else if (layer.mediaType.endsWith('+zstd')) throw new Error(`layer ${layer.digest} is zstd-compressed; docker-archive export handles gzip and uncompressed layers`);
      else await pipeline(createReadStream(store.blobPath(layer.digest)), createWriteStream(temp));
      const diffId = await sha256OfFile(temp);
      const name = `${diffId.slice(7)}.tar`;
      if (!layerNames.includes(name)) files.push([name, temp]);
      layerNames.push(name);
    }
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: repoTags, Layers: layerNames }]));
    files.push(['manifest.json', join(dir, 'manifest.json')]);
    await writeTar(archive, files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
