import {
  closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync, chmodSync,
  mkdirSync, openSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { copyMetadata, copyUp } from './copy-up.ts';
import { baseOf, entryPath, parentOf } from './entry-path.ts';
import { UnsafeEntryError } from './layer-errors.ts';
import { isWhiteout, LowerStack, OPAQUE_XATTR } from './lower-stack.ts';
import { NeedsLowerLayers, notADirectory, type LowerDependencies } from './lower-dependencies.ts';
import { lsetxattr, mknod, S_IFBLK, S_IFCHR, S_IFIFO, SyscallError } from './native-fs.ts';
import type { TarEntry, TarSink } from './tar-reader.ts';

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Where entries go and how deletions are recorded:
 * - `rootfs`: layers are applied one after another onto one tree; a whiteout deletes.
 * - `overlay-layer`: each layer gets its own directory, later stacked by overlayfs; a whiteout
 *   becomes overlayfs's 0:0 character device and an opaque directory its trusted.overlay.opaque xattr.
 */
export interface ApplyTarget {
  dir: string;
  format: 'rootfs' | 'overlay-layer';
  /** overlay-layer only: the cached directories of the layers below, nearest first. */
  lowerDirs: readonly string[];
  /**
   * overlay-layer only: the layers below are still being extracted (lowerDirs is empty). What
   * depends on them is recorded (lowerDependencies) and settled once they are complete; an entry
   * that needs their content at once throws NeedsLowerLayers.
   */
  deferLowers?: boolean;
}

export interface ApplyPolicy {
  /** false when unprivileged: files keep the caller's owner. */
  chown: boolean;
  mapUid: (uid: number) => number;
  mapGid: (gid: number) => number;
  /** false when unprivileged: device nodes are skipped with a warning. */
  mknodDevices: boolean;
  warn: (message: string) => void;
}

/**
 * Applies tar entries to a directory, one at a time, with one safety discipline: every name is
 * cleaned by entryPath (no absolute names, no `..`), and every parent directory is checked with
 * lstat, component by component, and must be a real directory: a symlink among the parents is
 * refused, never followed, so nothing is ever written outside the target directory. The final
 * component is replaced, not followed (O_NOFOLLOW|O_EXCL after removing what was there).
 */
export class LayerApplier implements TarSink {
  /** Relative paths known to be real directories in the target (cleared when anything is removed). */
  private readonly verified = new Set<string>();
  /** Names this layer wrote, and their ancestors: whiteouts only hide what lower layers made. */
  private readonly written = new Set<string>();
  private readonly touched = new Set<string>();
  /** Directory modes and times are set last, since adding children changes a directory's mtime. */
  private readonly deferredDirs: { abs: string; mode: number; atime: number; mtime: number }[] = [];
  private readonly lowers: LowerStack;
  /** deferLowers: the directories this layer implied and those it listed. */
  private readonly implied: { rel: string; entry: string }[] = [];
  private readonly listed = new Set<string>();
  private file: { fd: number; abs: string; entry: TarEntry } | undefined;
  current: string | undefined;

  constructor(private readonly target: ApplyTarget, private readonly policy: ApplyPolicy) {
    this.lowers = new LowerStack(target.lowerDirs);
    // overlayfs shows the root of the upper dir, so every layer dir's root carries the image's
    // root metadata so far (from the layer below, unless this layer has its own './' entry), and
    // a bundle's upper dir copies it from the top layer.
    const below = target.lowerDirs[0];
    if (this.overlay && below) copyMetadata(below, lstatSync(below), target.dir);
  }

  private get overlay(): boolean {
    return this.target.format === 'overlay-layer';
  }

  entry(e: TarEntry): void {
    this.current = e.name;
    const rel = entryPath(e.name);
    const base = baseOf(rel);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      if (base === OPAQUE_MARKER) this.opaque(parentOf(rel));
      else this.whiteout(parentOf(rel), base.slice(WHITEOUT_PREFIX.length));
      return;
    }
    switch (e.type) {
      case 'directory': this.directory(rel, e); break;
      case 'file': this.regularFile(rel, e); break;
      case 'hardlink': this.hardlink(rel, e); break;
      case 'symlink': this.symlink(rel, e); break;
      case 'fifo': this.node(rel, e, S_IFIFO); break;
      case 'char': this.device(rel, e, S_IFCHR); break;
      case 'block': this.device(rel, e, S_IFBLK); break;
    }
    this.markWritten(rel);
  }

  data(chunk: Buffer): void {
    if (!this.file) return;
    let off = 0;
    while (off < chunk.length) off += writeSync(this.file.fd, chunk, off, chunk.length - off);
  }

  entryEnd(): void {
    if (!this.file) return;
    const { fd, abs, entry } = this.file;
    this.file = undefined;
    try {
      if (this.policy.chown) fchownSync(fd, this.policy.mapUid(entry.uid), this.policy.mapGid(entry.gid));
      fchmodSync(fd, entry.mode);
      this.setXattrs(abs, entry);
      futimesSync(fd, entry.atime ?? entry.mtime, entry.mtime);
    } finally {
      closeSync(fd);
    }
  }

  /** Sets the deferred directory modes and times; call once after the last entry. */
  finish(): void {
    for (const d of this.deferredDirs) {
      chmodSync(d.abs, d.mode);
      lutimesSync(d.abs, d.atime, d.mtime);
    }
    this.deferredDirs.length = 0;
  }

  /** deferLowers: what is left to settle against the lower layers once they are complete. */
  lowerDependencies(): LowerDependencies {
    return { rootListed: this.listed.has(''), implied: this.implied.map((d) => ({ ...d, listed: this.listed.has(d.rel) })) };
  }

  /** Closes an open file after a failure; the caller removes the partial tree. */
  abort(): void {
    if (this.file) closeSync(this.file.fd);
    this.file = undefined;
  }

  // ---- entry kinds ---------------------------------------------------------------------------

  private directory(rel: string, e: TarEntry): void {
    this.listed.add(rel);
    const abs = rel === '' ? this.target.dir : join(this.parentDir(parentOf(rel)), baseOf(rel));
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st || !st.isDirectory()) {
      if (st) this.remove(abs, st.isDirectory());
      mkdirSync(abs, 0o700);
      // A directory that replaces a whiteout in the same layer must still hide the lower one's children.
      if (st && this.overlay && isWhiteout(st)) lsetxattr(abs, OPAQUE_XATTR, Buffer.from('y'));
    }
    this.verified.add(rel);
    this.ownAndXattrs(abs, e);
    this.deferredDirs.push({ abs, mode: e.mode, atime: e.atime ?? e.mtime, mtime: e.mtime });
  }

  private regularFile(rel: string, e: TarEntry): void {
    const abs = this.replace(rel);
    this.file = { fd: openSync(abs, CREATE_FLAGS, 0o600), abs, entry: e };
  }

  private hardlink(rel: string, e: TarEntry): void {
    const targetRel = entryPath(e.linkname, 'hardlink target');
    if (targetRel === rel) return;
    const targetDir = this.parentDir(parentOf(targetRel), false);
    const targetAbs = targetDir === undefined ? undefined : join(targetDir, baseOf(targetRel));
    let st = targetAbs ? lstatSync(targetAbs, { throwIfNoEntry: false }) : undefined;
    if (st && isWhiteout(st)) st = undefined;
    if (!st && this.overlay) {
      if (this.target.deferLowers) throw new NeedsLowerLayers(`${JSON.stringify(e.name)} links to a file of a lower layer`);
      const lower = this.lowers.lookup(targetRel);
      if (lower && !lower.stat.isDirectory()) {
        const abs = join(this.parentDir(parentOf(targetRel)), baseOf(targetRel));
        copyUp(lower.path, lower.stat, abs);
        st = lower.stat;
      }
    }
    if (!st) throw new UnsafeEntryError(`its hardlink target ${JSON.stringify(e.linkname)} does not exist in this or an earlier layer`);
    if (st.isDirectory()) throw new UnsafeEntryError(`its hardlink target ${JSON.stringify(e.linkname)} is a directory`);
    const abs = this.replace(rel);
    linkSync(join(this.parentDir(parentOf(targetRel)), baseOf(targetRel)), abs);
  }

  private symlink(rel: string, e: TarEntry): void {
    const abs = this.replace(rel);
    symlinkSync(e.linkname, abs);
    this.ownAndXattrs(abs, e);
    lutimesSync(abs, e.atime ?? e.mtime, e.mtime);
  }

  private device(rel: string, e: TarEntry, kind: number): void {
    if (!this.policy.mknodDevices) {
      this.policy.warn(`skipped device node ${JSON.stringify(e.name)} (creating device nodes needs root)`);
      return;
    }
    this.node(rel, e, kind);
  }

  private node(rel: string, e: TarEntry, kind: number): void {
    const abs = this.replace(rel);
    mknod(abs, kind | 0o600, e.devmajor, e.devminor);
    this.ownAndXattrs(abs, e);
    chmodSync(abs, e.mode); // mknod applies the umask; the layer's mode is the one that counts
    lutimesSync(abs, e.atime ?? e.mtime, e.mtime);
  }

  private whiteout(parentRel: string, name: string): void {
    if (name === '' || name === '.' || name === '..') throw new UnsafeEntryError(`a whiteout must name a file ('.wh.' + name)`);
    const rel = parentRel === '' ? name : `${parentRel}/${name}`;
    if (this.written.has(rel) || this.touched.has(rel)) return; // whiteouts hide lower layers only
    const dir = this.parentDir(parentRel, this.overlay);
    if (dir === undefined) return;
    const abs = join(dir, name);
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (this.overlay) {
      if (st) this.remove(abs, st.isDirectory());
      mknod(abs, S_IFCHR, 0, 0);
    } else if (st) this.remove(abs, st.isDirectory());
  }

  private opaque(dirRel: string): void {
    const abs = this.parentDir(dirRel, this.overlay);
    if (abs === undefined) return;
    if (this.overlay) {
      lsetxattr(abs, OPAQUE_XATTR, Buffer.from('y'));
      return;
    }
    for (const child of readdirSync(abs)) {
      const rel = dirRel === '' ? child : `${dirRel}/${child}`;
      if (this.written.has(rel) || this.touched.has(rel)) continue;
      const st = lstatSync(join(abs, child));
      this.remove(join(abs, child), st.isDirectory());
    }
  }

  // ---- the safety discipline -----------------------------------------------------------------

  /**
   * The absolute path of a directory inside the target, checked component by component with
   * lstat. Missing components are created when `create` (the layer implies them), taking the
   * metadata of the same directory in a lower layer when there is one; otherwise undefined.
   */
  private parentDir(rel: string, create?: true): string;
  private parentDir(rel: string, create: boolean): string | undefined;
  private parentDir(rel: string, create = true): string | undefined {
    if (rel === '') return this.target.dir;
    const abs = join(this.target.dir, rel);
    if (this.verified.has(rel)) return abs;
    let prefix = '';
    for (const part of rel.split('/')) {
      prefix = prefix === '' ? part : `${prefix}/${part}`;
      if (this.verified.has(prefix)) continue;
      const path = join(this.target.dir, prefix);
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (st) {
        this.requireDirectory(prefix, path, st);
        this.verified.add(prefix);
        continue;
      }
      const lower = this.overlay ? this.lowers.lookup(prefix) : undefined;
      if (lower) this.requireDirectory(prefix, lower.path, lower.stat);
      if (!create) return undefined;
      mkdirSync(path, 0o755);
      if (this.target.deferLowers) this.implied.push({ rel: prefix, entry: this.current ?? prefix });
      if (lower) copyMetadata(lower.path, lower.stat, path);
      else if (this.policy.chown) lchownSync(path, this.policy.mapUid(0), this.policy.mapGid(0));
      this.verified.add(prefix);
    }
    return abs;
  }

  private requireDirectory(rel: string, path: string, st: import('node:fs').Stats): void {
    if (!st.isDirectory()) throw notADirectory(rel, path, st.isSymbolicLink());
  }

  /** Clears the way for a non-directory entry: checks the parents, removes whatever has the name. */
  private replace(rel: string): string {
    if (rel === '') throw new UnsafeEntryError('only a directory can be the root of a layer');
    const abs = join(this.parentDir(parentOf(rel)), baseOf(rel));
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (st) this.remove(abs, st.isDirectory());
    return abs;
  }

  private remove(abs: string, isDir: boolean): void {
    if (isDir) {
      rmSync(abs, { recursive: true, force: true }); // removes symlinks inside, never follows them
      this.verified.clear();
    } else unlinkSync(abs);
  }

  private markWritten(rel: string): void {
    this.written.add(rel);
    for (let p = parentOf(rel); p !== '' && !this.touched.has(p); p = parentOf(p)) this.touched.add(p);
  }

  // ---- metadata ------------------------------------------------------------------------------

  private ownAndXattrs(abs: string, e: TarEntry): void {
    if (this.policy.chown) lchownSync(abs, this.policy.mapUid(e.uid), this.policy.mapGid(e.gid));
    this.setXattrs(abs, e);
  }

  /** After chown, which clears security.capability. overlayfs's own xattrs are never taken from a layer. */
  private setXattrs(path: string, e: TarEntry): void {
    for (const [name, value] of e.xattrs) {
      if (name.startsWith('trusted.overlay.')) {
        this.policy.warn(`ignored xattr ${name} on ${JSON.stringify(e.name)} (reserved for overlayfs)`);
        continue;
      }
      try {
        lsetxattr(path, name, value);
      } catch (err) {
        if (!(err instanceof SyscallError)) throw err;
        this.policy.warn(`could not set xattr ${name} on ${JSON.stringify(e.name)}: ${err.code}`);
      }
    }
  }
}
