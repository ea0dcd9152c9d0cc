/**
 * A push parser for tar streams (ustar, GNU long names, PAX). We read tar ourselves rather than with
 * tar-stream because tar-stream decodes every PAX value as UTF-8, which corrupts binary xattr values
 * such as security.capability; here PAX values stay raw bytes and only the textual keys are decoded.
 * The parser is synchronous: the caller feeds decompressed chunks and the sink applies each entry
 * before the next chunk is read, which keeps memory flat whatever the layer size.
 */

export type EntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo';

export interface TarEntry {
  name: string;
  linkname: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch, with the sub-second part of a PAX mtime when there is one. */
  mtime: number;
  atime: number | undefined;
  devmajor: number;
  devminor: number;
  xattrs: Map<string, Buffer>;
}

export interface TarSink {
  entry(entry: TarEntry): void;
  data(chunk: Buffer): void;
  entryEnd(): void;
}

export class TarFormatError extends Error {}

const BLOCK = 512;
const TYPES: Record<string, EntryType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'directory', '6': 'fifo',
};

type State =
  | { kind: 'header' }
  | { kind: 'body'; remaining: number; padding: number; deliver: boolean }
  | { kind: 'meta'; typeflag: string; remaining: number; padding: number; parts: Buffer[] }
  | { kind: 'end' };

export class TarParser {
  private state: State = { kind: 'header' };
  private pending: Buffer = Buffer.alloc(0);
  private offset = 0; // bytes consumed so far, for messages
  private pax: Map<string, Buffer> | undefined;
  private globalPax = new Map<string, Buffer>();
  private longName: string | undefined;
  private longLink: string | undefined;
  private entries = 0;

  constructor(private readonly sink: TarSink) {}

  push(chunk: Buffer): void {
    const buf = chunk;
    let pos = 0;
    if (this.pending.length) {
      // Complete the header cut at the last chunk's end from the head of this one, without
      // copying the whole chunk.
      const need = BLOCK - this.pending.length;
      if (chunk.length < need) {
        this.pending = Buffer.concat([this.pending, chunk]);
        return;
      }
      const block = Buffer.concat([this.pending, chunk.subarray(0, need)]);
      this.pending = Buffer.alloc(0);
      this.header(block);
      this.offset += BLOCK;
      pos = need;
    }
    while (pos < buf.length) {
      const st = this.state;
      if (st.kind === 'end') break; // trailing blocks after the end marker are ignored
      if (st.kind === 'body' || st.kind === 'meta') {
        const before = pos;
        pos = this.consume(st, buf, pos, (bytes) => {
          if (st.kind === 'meta') st.parts.push(Buffer.from(bytes));
          else if (st.deliver) this.sink.data(bytes);
        });
        this.offset += pos - before;
        if (st.remaining > 0 || st.padding > 0) break;
        if (st.kind === 'meta') this.finishMeta(st.typeflag, Buffer.concat(st.parts));
        else if (st.deliver) this.sink.entryEnd();
        this.state = { kind: 'header' };
        continue;
      }
      if (buf.length - pos < BLOCK) break;
      this.header(buf.subarray(pos, pos + BLOCK));
      pos += BLOCK;
      this.offset += BLOCK;
    }
    this.pending = pos < buf.length && this.state.kind === 'header' ? Buffer.from(buf.subarray(pos)) : Buffer.alloc(0);
  }

  /** Passes on what is left of the entry's data in buf, then skips its padding; returns the new position. */
  private consume(st: { remaining: number; padding: number }, buf: Buffer, pos: number, onBytes: (bytes: Buffer) => void): number {
    const take = Math.min(st.remaining, buf.length - pos);
    if (take > 0) onBytes(buf.subarray(pos, pos + take));
    st.remaining -= take;
    pos += take;
    if (st.remaining > 0) return pos;
    const skip = Math.min(st.padding, buf.length - pos);
    st.padding -= skip;
    return pos + skip;
  }

  /** Call when the input is exhausted; refuses a stream cut inside an entry. */
  end(): void {
    if (this.entries === 0 && this.state.kind === 'header' && this.pending.length > 0) {
      throw new TarFormatError(`not a tar archive: ${this.pending.length} bytes, shorter than one tar header`);
    }
    if (this.state.kind === 'body' || this.state.kind === 'meta' || this.pending.length > 0) {
      throw new TarFormatError(`the tar stream is truncated (it ends inside entry ${this.entries + 1})`);
    }
    if (this.entries === 0 && this.state.kind !== 'end') throw new TarFormatError('the stream holds no tar entries');
  }

  private header(block: Buffer): void {
    if (block.every((b) => b === 0)) {
      this.state = { kind: 'end' };
      return;
    }
    const stored = readNumber(block, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
    if (stored !== sum) {
      throw new TarFormatError(`not a tar archive: bad header checksum at byte ${this.offset} (after ${this.entries} entries)`);
    }
    const typeflag = String.fromCharCode(block[156]!);
    const size = readNumber(block, 124, 12);
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > 16 * 1024 * 1024) throw new TarFormatError(`a tar metadata record of ${size} bytes is too large`);
      this.state = { kind: 'meta', typeflag, remaining: size, padding, parts: [] };
      if (size === 0) {
        this.finishMeta(typeflag, Buffer.alloc(0));
        this.state = { kind: 'header' };
      }
      return;
    }
    const magic = block.toString('latin1', 257, 263);
    let name = readString(block, 0, 100);
    if (magic === 'ustar\0' && block[345] !== 0) name = `${readString(block, 345, 155)}/${name}`;
    const type = TYPES[typeflag];
    const pax = new Map([...this.globalPax, ...(this.pax ?? [])]);
    const text = (key: string) => pax.get(key)?.toString('utf8');
    name = text('path') ?? this.longName ?? name;
    const linkname = text('linkpath') ?? this.longLink ?? readString(block, 157, 100);
    this.pax = undefined;
    this.longName = undefined;
    this.longLink = undefined;
    if (!type) throw new TarFormatError(`entry ${JSON.stringify(name)} has tar type ${JSON.stringify(typeflag)}, which tsimg does not support`);
    const paxSize = text('size');
    const bodySize = paxSize !== undefined ? Number(paxSize) : size;
    const bodyPadding = (BLOCK - (bodySize % BLOCK)) % BLOCK;
    const xattrs = new Map<string, Buffer>();
    for (const [key, value] of pax) {
      if (key.startsWith('SCHILY.xattr.')) xattrs.set(key.slice('SCHILY.xattr.'.length), value);
      else if (key.startsWith('LIBARCHIVE.xattr.')) xattrs.set(decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length)), Buffer.from(value.toString(), 'base64'));
    }
    const paxNumber = (key: string, fallback: number) => (text(key) !== undefined ? Number(text(key)) : fallback);
    const entry: TarEntry = {
      name,
      linkname,
      type,
      mode: readNumber(block, 100, 8) & 0o7777,
      uid: paxNumber('uid', readNumber(block, 108, 8)),
      gid: paxNumber('gid', readNumber(block, 116, 8)),
      size: type === 'file' ? bodySize : 0,
      mtime: paxNumber('mtime', readNumber(block, 136, 12)),
      atime: text('atime') !== undefined ? Number(text('atime')) : undefined,
      devmajor: readNumber(block, 329, 8),
      devminor: readNumber(block, 337, 8),
      xattrs,
    };
    this.entries++;
    this.sink.entry(entry);
    // Only regular files carry content; a body on anything else is skipped, not applied.
    if (type === 'file' && bodySize > 0) {
      this.state = { kind: 'body', remaining: bodySize, padding: bodyPadding, deliver: true };
    } else {
      this.sink.entryEnd();
      if (bodySize > 0) this.state = { kind: 'body', remaining: bodySize, padding: bodyPadding, deliver: false };
    }
  }

  private finishMeta(typeflag: string, data: Buffer): void {
    if (typeflag === 'L') this.longName = readString(data, 0, data.length);
    else if (typeflag === 'K') this.longLink = readString(data, 0, data.length);
    else {
      const records = parsePax(data, this.offset);
      if (typeflag === 'g') for (const [k, v] of records) this.globalPax.set(k, v);
      else this.pax = records;
    }
  }
}

/** PAX records are `LEN KEY=VALUE\n`; LEN counts the whole record. Values are kept as bytes. */
function parsePax(data: Buffer, offset: number): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const len = space > pos ? Number(data.toString('latin1', pos, space)) : NaN;
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length) {
      if (data.subarray(pos).every((b) => b === 0)) break;
      throw new TarFormatError(`malformed PAX record near byte ${offset}`);
    }
    const record = data.subarray(space + 1, pos + len - 1); // drop the trailing newline
    const eq = record.indexOf(0x3d);
    if (eq < 0) throw new TarFormatError(`malformed PAX record near byte ${offset}`);
    records.set(record.toString('utf8', 0, eq), Buffer.from(record.subarray(eq + 1)));
    pos += len;
  }
  return records;
}

function readString(buf: Buffer, start: number, length: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end < 0 || end > start + length ? start + length : end);
}

/** Octal text, or GNU base-256 when the high bit of the first byte is set. */
function readNumber(buf: Buffer, start: number, length: number): number {
  if (buf[start]! & 0x80) {
    let value = buf[start]! & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + buf[i]!;
    return value;
  }
  const text = buf.toString('latin1', start, start + length).replace(/[\0 ]+$/, '').replace(/^[ ]+/, '').split('\0')[0]!;
  return text === '' ? 0 : parseInt(text, 8);
}
