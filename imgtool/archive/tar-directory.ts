/**
 * The two tar operations the archive formats need: unpack an archive's regular files (and symlinks to
 * files inside it, which `docker save` uses for shared layers) into an empty directory, refusing paths
 * that would leave it; and pack a list of files into a tar written atomically (temp file, fsync, rename).
 */
import { closeSync, copyFileSync, createReadStream, createWriteStream, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';

function insidePath(root: string, name: string, archive: string): string {
  const clean = normalize(name).replace(/^(\.\/)+/, '').replace(/\/$/, '');
  const target = join(root, clean);
  if (clean === '' || clean.startsWith('..') || relative(root, target).startsWith('..') || name.startsWith('/')) {
    throw new Error(`${archive}: entry "${name}" points outside the archive; refused`);
  }
  return target;
}

export async function extractTar(archive: string, into: string): Promise<void> {
  const extract = tar.extract();
  const links: [string, string][] = [];
  const header = Buffer.alloc(2);
  const fd = openSync(archive, 'r');
  try {
    readSync(fd, header, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  const source = createReadStream(archive);
  const input = header[0] === 0x1f && header[1] === 0x8b ? source.pipe(createGunzip()) : source;
  const done = (async () => {
    for await (const entry of extract) {
      const target = insidePath(into, entry.header.name, archive);
      if (entry.header.type === 'file') {
        mkdirSync(dirname(target), { recursive: true });
        await pipeline(entry, createWriteStream(target));
        continue;
      }
      if (entry.header.type === 'symlink' && entry.header.linkname) links.push([target, insidePath(into, join(dirname(entry.header.name), entry.header.linkname), archive)]);
      entry.resume();
    }
  })();
  input.on('error', (e: Error) => extract.destroy(e));
  input.pipe(extract);
  try {
    await done;
  } catch (e) {
    throw new Error(`${archive} is not a readable tar archive: ${(e as Error).message}`);
  }
  for (const [link, target] of links) {
    mkdirSync(dirname(link), { recursive: true });
    copyFileSync(target, link);
  }
}

/** Writes `files` (name in the archive -> file on disk) as a tar at `archive`. */
export async function writeTar(archive: string, files: [string, string][]): Promise<void> {
  const temp = `${archive}.${process.pid}.tmp`;
  const pack = tar.pack();
  const out = createWriteStream(temp);
  const written = pipeline(pack, out);
  try {
    for (const [name, path] of files) {
      const size = statSync(path).size;
      const entry = pack.entry({ name, size, mode: 0o644, mtime: new Date(0) });
      await pipeline(createReadStream(path), entry);
    }
    pack.finalize();
    await written;
    const fd = openSync(temp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, archive);
  } catch (e) {
    pack.destroy();
    rmSync(temp, { force: true });
    throw e;
  }
}
