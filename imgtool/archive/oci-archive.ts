/** oci-archive: an OCI image layout in a tar. Read by unpacking to a temp layout; written from one. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OciStore } from '../store/layout.ts';
import { extractTar, writeTar } from './tar-directory.ts';

/** Runs `use` with the archive unpacked as an OCI layout; the temp copy is removed afterwards. */
export async function withOciArchive<T>(archive: string, use: (layout: OciStore) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'tsimg-oci-archive-'));
  try {
    await extractTar(archive, dir);
    return await use(OciStore.openExisting(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `fill` on a fresh temp layout, then writes it as a tar at `archive`. */
export async function writeOciArchive(archive: string, fill: (layout: OciStore) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tsimg-oci-archive-'));
  try {
    const layout = OciStore.open(dir);
    await fill(layout);
    rmSync(layout.ingestDir, { recursive: true, force: true });
    const files: [string, string][] = [['oci-layout', join(dir, 'oci-layout')], ['index.json', join(dir, 'index.json')]];
    for (const digest of layout.listBlobs()) files.push([`blobs/${digest.replace(':', '/')}`, layout.blobPath(digest)]);
    await writeTar(archive, files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
