/**
 * The store: a plain OCI image layout (image-spec image-layout.md) so skopeo, umoci and the unpack code
 * read it as it is. `oci-layout` and `index.json` at the root, blobs under blobs/<alg>/<hex>; each name
 * (a full reference such as docker.io/library/busybox:latest) is an index.json entry annotated with
 * org.opencontainers.image.ref.name. Two extras, both ignored by OCI readers: ingest/ holds the temp files
 * of writes in progress, and index.json.lock serialises changes to index.json.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Readable } from 'node:stream';
import { parseImageDocument, validateImageIndex } from '../../spec/validate-image.ts';
import { sha256Digest, splitDigest } from './digest.ts';
import { BlobWriter } from './blob-writer.ts';
import { withLock } from './lock.ts';
import { fsyncDirectory, writeFileAtomic } from './atomic-file.ts';
import { reachableBlobs } from './reachable.ts';
import { type WriteMark, sweepIngest } from './write-marks.ts';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
const LAYOUT_VERSION = '1.0.0';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
  artifactType?: string;
}

export interface LayoutIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export class OciStore {
  readonly ingestDir: string;

  constructor(readonly root: string) {
    this.ingestDir = join(root, 'ingest');
  }

  /** Opens a store, creating the layout on first use. */
  static open(root: string): OciStore {
    const store = new OciStore(root);
    store.ensureLayout();
    return store;
  }

  /** Opens an existing OCI layout without creating anything (for reading directories other tools wrote). */
  static openExisting(root: string): OciStore {
    if (!existsSync(join(root, 'oci-layout'))) throw new Error(`${root} is not an OCI image layout (no oci-layout file)`);
    return new OciStore(root);
  }

  private ensureLayout(): void {
    mkdirSync(join(this.root, 'blobs', 'sha256'), { recursive: true });
    mkdirSync(this.ingestDir, { recursive: true });
    if (!existsSync(join(this.root, 'oci-layout'))) writeFileAtomic(join(this.root, 'oci-layout'), JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }));
    if (!existsSync(join(this.root, 'index.json'))) {
      try {
        writeFileAtomic(join(this.root, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }

  blobPath(digest: string): string {
    const { algorithm, hex } = splitDigest(digest);
    return join(this.root, 'blobs', algorithm, hex);
  }

  /** A blob is present when its file exists with the expected size (a file never lands under a wrong digest). */
  hasBlob(digest: string, size?: number): boolean {
    try {
      const st = statSync(this.blobPath(digest));
      return size === undefined || st.size === size;
    } catch {
      return false;
    }
  }

  readBlob(digest: string): Buffer {
    try {
      return readFileSync(this.blobPath(digest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`blob ${digest} is missing from the store ${this.root}`);
      throw e;
    }
  }


  openBlobWriter(digest: string, size: number | undefined, what: string): BlobWriter {
    const { algorithm } = splitDigest(digest);
    mkdirSync(join(this.root, 'blobs', algorithm), { recursive: true });
    mkdirSync(this.ingestDir, { recursive: true });
    return BlobWriter.create(this.ingestDir, this.blobPath(digest), digest, size, what);
  }

  /** Stores a blob from a stream, verified against digest and size. */
  async writeBlobStream(digest: string, size: number | undefined, source: Readable | AsyncIterable<Buffer> | Iterable<Buffer>, what: string): Promise<void> {
    const writer = this.openBlobWriter(digest, size, what);
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) await writer.write(chunk);
      await writer.commit();
    } catch (e) {
      await writer.abort();
      throw e;
    }
  }

  /** Stores bytes already in memory (manifests, configs); returns their digest. */
  async writeBlobBytes(bytes: Buffer, expectedDigest = sha256Digest(bytes), what = expectedDigest): Promise<string> {
    if (this.hasBlob(expectedDigest, bytes.length)) return expectedDigest;
    await this.writeBlobStream(expectedDigest, bytes.length, [bytes], what);
    return expectedDigest;
  }

  readIndex(): LayoutIndex {
    const path = join(this.root, 'index.json');
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`${path} cannot be read: ${(e as Error).message}`);
    }
    // index.json is an image index (image-layout.md): checked like one, so a bad entry is named by its path.
    return parseImageDocument(text, validateImageIndex, path) as LayoutIndex;
  }

  /** Changes index.json under the store lock and replaces it atomically, so concurrent changes are not lost. */
  async updateIndex<T>(change: (index: LayoutIndex) => T): Promise<T> {
    return withLock(join(this.root, 'index.json.lock'), () => {
      const index = this.readIndex();
      const result = change(index);
      writeFileAtomic(join(this.root, 'index.json'), JSON.stringify(index));
      return result;
    });
  }

  /** Points a name at a descriptor, replacing what the name pointed at before. */
  async setRef(name: string, descriptor: Descriptor): Promise<void> {
    await this.updateIndex((index) => {
      index.manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] !== name);
      index.manifests.push({ ...descriptor, annotations: { ...descriptor.annotations, [REF_NAME_ANNOTATION]: name } });
    });
  }

  findRef(name: string): Descriptor | undefined {
    return this.readIndex().manifests.find((d) => d.annotations?.[REF_NAME_ANNOTATION] === name);
  }

  /** Removes a name; returns false when there was none. Blobs stay until gc. */
  async removeRef(name: string): Promise<boolean> {
    return this.updateIndex((index) => {
      const before = index.manifests.length;
      index.manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] !== name);
      return index.manifests.length !== before;
    });
  }

  /** Every blob digest in the store. */
  listBlobs(): string[] {
    const out: string[] = [];
    const blobs = join(this.root, 'blobs');
    if (!existsSync(blobs)) return out;
    for (const algorithm of readdirSync(blobs)) {
      for (const hex of readdirSync(join(blobs, algorithm))) out.push(`${algorithm}:${hex}`);
    }
    return out;
  }

  removeBlob(digest: string): void {
    rmSync(this.blobPath(digest), { force: true });
  }

  /**
   * Deletes, under the index lock, the candidate blobs that nothing in index.json reaches, except those
   * written since a live writer other than `own` started (that writer may be about to reference them).
   * gc passes 'all'; a failed pull passes the blobs it added, so it takes back only its own.
   */
  async removeUnreferenced(candidates: string[] | 'all', own?: WriteMark): Promise<{ removed: string[]; freed: number }> {
    return this.updateIndex((index) => {
      const keep = reachableBlobs(this, index.manifests);
      const writersSince = sweepIngest(this.ingestDir, own);
      const removed: string[] = [];
      let freed = 0;
      for (const digest of candidates === 'all' ? this.listBlobs() : candidates) {
        if (keep.has(digest)) continue;
        let st;
        try {
          st = statSync(this.blobPath(digest));
        } catch {
          continue;
        }
        if (st.mtimeMs >= writersSince - 1000) continue;
        this.removeBlob(digest);
        removed.push(digest);
        freed += st.size;
      }
      return { removed, freed };
    });
  }

  syncBlobDirectory(): void {
    fsyncDirectory(join(this.root, 'blobs', 'sha256'));
  }
}
