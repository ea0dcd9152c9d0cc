/**
 * Pull progress. On a terminal: one line per blob (bytes, rate, ETA), redrawn in place ten times a second.
 * Otherwise: a plain line when a blob starts and when it is done, fit for logs. --quiet and --format json
 * show none of it (the caller prints the result).
 */
import type { PullProgress } from '../registry/pull-image.ts';
import type { Descriptor } from '../store/layout.ts';
import { humanBytes, humanSeconds } from './human-size.ts';

interface Row {
  descriptor: Descriptor;
  received: number;
  started: number;
  finished?: number;
  state: 'fetching' | 'done' | 'exists';
}

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

export function plainProgress(out: NodeJS.WritableStream): PullProgress {
  const started = new Map<string, number>();
  return {
    blobStart(d, cached) {
      if (cached) out.write(`${short(d.digest)}: already in the store (${humanBytes(d.size)})\n`);
      else {
        started.set(d.digest, Date.now());
        out.write(`${short(d.digest)}: fetching ${humanBytes(d.size)}\n`);
      }
    },
    blobBytes() {},
    blobDone(d) {
      const t = started.get(d.digest);
      if (t !== undefined) out.write(`${short(d.digest)}: done in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
    },
  };
}

export class TerminalProgress implements PullProgress {
  private readonly rows = new Map<string, Row>();
  private drawnLines = 0;
  private done = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly out: NodeJS.WriteStream) {
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
  }

  blobStart(descriptor: Descriptor, cached: boolean): void {
    this.rows.set(descriptor.digest, { descriptor, received: cached ? descriptor.size : 0, started: Date.now(), state: cached ? 'exists' : 'fetching' });
  }

  blobBytes(descriptor: Descriptor, bytes: number): void {
    const row = this.rows.get(descriptor.digest);
    if (row) row.received += bytes;
  }

  blobDone(descriptor: Descriptor): void {
    const row = this.rows.get(descriptor.digest);
    if (row && row.state === 'fetching') {
      row.state = 'done';
      row.finished = Date.now();
    }
  }

  private line(row: Row): string {
    const { size } = row.descriptor;
    if (row.state === 'exists') return `${short(row.descriptor.digest)}  already in the store  ${humanBytes(size)}`;
    const elapsed = Math.max(((row.finished ?? Date.now()) - row.started) / 1000, 0.001);
    const rate = row.received / elapsed;
    if (row.state === 'done') return `${short(row.descriptor.digest)}  done  ${humanBytes(size)} in ${elapsed.toFixed(1)} s`;
    const width = 20;
    const filled = size > 0 ? Math.min(width, Math.round((row.received / size) * width)) : 0;
    const eta = rate > 0 ? humanSeconds((size - row.received) / rate) : '?';
    return `${short(row.descriptor.digest)}  [${'='.repeat(filled)}${' '.repeat(width - filled)}]  ${humanBytes(row.received)}/${humanBytes(size)}  ${humanBytes(rate)}/s  ETA ${eta}`;
  }

  private draw(): void {
    const lines = [...this.rows.values()].map((r) => this.line(r));
    let text = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F` : '';
    for (const l of lines) text += `\x1b[2K${l.slice(0, (this.out.columns || 120) - 1)}\n`;
    this.drawnLines = lines.length;
    this.out.write(text);
  }

  /** Draws the final state once; later calls do nothing (the caller's finally calls it again). */
  finish(): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.timer);
    this.draw();
  }
}
