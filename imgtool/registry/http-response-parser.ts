/**
 * An incremental HTTP/1.1 response parser for one GET on a connection of its own (RFC 9112): the status
 * line and header fields, then the body framed by Transfer-Encoding: chunked, Content-Length, or the close
 * of the connection. It copies nothing but the head: body bytes are handed on as views of the caller's
 * read buffer, which the caller reuses for the next read (streaming-get.ts says why that matters).
 *
 * It is strict where leniency would let a response be read two ways (obsolete line folding, a bare CR or
 * LF or a NUL in the head, conflicting Content-Length values, Content-Length beside Transfer-Encoding,
 * Transfer-Encoding in HTTP/1.0, malformed chunk sizes): such a response fails with a message naming the
 * fault, as node:http's llhttp refuses them. Bytes after the end of the message are ignored: the
 * connection is closed after one response, and the blob's digest decides anyway.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface ResponseHead {
  status: number;
  headers: IncomingHttpHeaders;
}

export interface ResponseHandlers {
  /** The final (non-1xx) head, once; body bytes arrive only after it returns. */
  onHead(head: ResponseHead): void;
  /** A piece of the body: a view of the buffer given to feed(), valid only until onBody returns. */
  onBody(piece: Buffer): void;
}

export class HttpResponseError extends Error {}

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 4096;
/** Informational (1xx) heads before the final one, and trailer bytes: bounded, so a server cannot keep a GET busy forever. */
const MAX_INFORMATIONAL = 10;
const MAX_TRAILER_BYTES = 64 * 1024;
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: [^\r\n]*)?$/;
/** A field name is an RFC 9110 token; the request side checks the names it sends with the same rule. */
export const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CRLF_CRLF = Buffer.from('\r\n\r\n');

type State = 'head' | 'body-length' | 'body-until-close' | 'chunk-size' | 'chunk-data' | 'chunk-data-end' | 'trailers' | 'done';

export class HttpResponseParser {
  private state: State = 'head';
  /** Bytes of a head, or of a chunk-size or trailer line, that arrived split across reads. */
  private pending: Buffer = Buffer.alloc(0);
  /** Body bytes still to come in a Content-Length body, or in the current chunk. */
  private remaining = 0;
  private informational = 0;
  private trailerBytes = 0;

  constructor(private readonly handlers: ResponseHandlers) {}

  /** True once the body has been read to its end as the response framed it. */
  get complete(): boolean {
    return this.state === 'done';
  }

  feed(data: Buffer): void {
    let at = 0;
    while (at < data.length && this.state !== 'done') {
      switch (this.state) {
        case 'head':
          at = this.readHead(data, at);
          break;
        case 'body-length':
        case 'chunk-data': {
          const n = Math.min(this.remaining, data.length - at);
          this.handlers.onBody(data.subarray(at, at + n));
          at += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = this.state === 'body-length' ? 'done' : 'chunk-data-end';
          break;
        }
        case 'body-until-close':
          this.handlers.onBody(data.subarray(at));
          at = data.length;
          break;
        case 'chunk-size':
        case 'chunk-data-end':
        case 'trailers':
          at = this.readChunkLine(data, at);
          break;
      }
    }
  }

  /** The connection has closed: a body that runs until the close is now complete; anything else is cut short. */
  end(): void {
    if (this.state === 'body-until-close') this.state = 'done';
  }

  private readHead(data: Buffer, at: number): number {
    const joined = this.pending.length ? Buffer.concat([this.pending, data.subarray(at)]) : data.subarray(at);
    // The end may straddle the previous read: look from 3 bytes back, not again from the start.
    const end = joined.indexOf(CRLF_CRLF, Math.max(0, this.pending.length - 3));
    if (end < 0) {
      if (joined.length > MAX_HEAD_BYTES) throw new HttpResponseError(`response head is larger than ${MAX_HEAD_BYTES} bytes`);
      this.pending = Buffer.from(joined); // a copy: `data` is the caller's reused buffer
      return data.length;
    }
    if (end > MAX_HEAD_BYTES) throw new HttpResponseError(`response head is larger than ${MAX_HEAD_BYTES} bytes`);
    const consumed = end + 4 - this.pending.length; // how much of `data` (from `at`) the head took
    this.pending = Buffer.alloc(0);
    const { head, version } = parseHead(joined.subarray(0, end).toString('latin1'));
    if (head.status === 101) throw new HttpResponseError('the server switched protocols (HTTP 101) in answer to a GET');
    if (head.status < 200) {
      // 1xx: informational, a final head follows
      if (++this.informational > MAX_INFORMATIONAL) throw new HttpResponseError(`more than ${MAX_INFORMATIONAL} informational (1xx) responses`);
      return at + consumed;
    }
    if (head.headers['transfer-encoding'] !== undefined) {
      if (head.headers['content-length'] !== undefined) throw new HttpResponseError('the response has both Transfer-Encoding and Content-Length');
      if (version === '1.0') throw new HttpResponseError('an HTTP/1.0 response with Transfer-Encoding');
    }
    this.state = bodyFraming(head);
    if (this.state === 'body-length') {
      this.remaining = Number(head.headers['content-length']);
      if (this.remaining === 0) this.state = 'done';
    }
    this.handlers.onHead(head);
    return at + consumed;

    function bodyFraming(h: ResponseHead): State {
      if (h.status === 204 || h.status === 304) return 'done';
      const te = h.headers['transfer-encoding'];
      if (te !== undefined) {
        // Chunked must be the last coding; any other coding runs to the close (RFC 9112 6.3).
        return String(te).split(',').pop()!.trim().toLowerCase() === 'chunked' ? 'chunk-size' : 'body-until-close';
      }
      return h.headers['content-length'] === undefined ? 'body-until-close' : 'body-length';
    }
  }

  /** The lines between chunks: a chunk's size, the CRLF after its data, and the trailer section. */
  private readChunkLine(data: Buffer, at: number): number {
    const lineEnd = data.indexOf(0x0a, at);
    if (lineEnd < 0) {
      this.pending = Buffer.concat([this.pending, data.subarray(at)]);
      if (this.pending.length > MAX_CHUNK_LINE) throw new HttpResponseError('a chunk-size or trailer line is too long');
      return data.length;
    }
    const raw = Buffer.concat([this.pending, data.subarray(at, lineEnd + 1)]);
    this.pending = Buffer.alloc(0);
    if (raw.length > MAX_CHUNK_LINE) throw new HttpResponseError('a chunk-size or trailer line is too long');
    if (raw.length < 2 || raw[raw.length - 2] !== 0x0d) throw new HttpResponseError('a line of the chunked body does not end with CRLF');
    const line = raw.subarray(0, raw.length - 2).toString('latin1');
    if (this.state === 'chunk-data-end') {
      if (line !== '') throw new HttpResponseError('chunk data is longer than its size says');
      this.state = 'chunk-size';
    } else if (this.state === 'trailers') {
      this.trailerBytes += raw.length;
      if (this.trailerBytes > MAX_TRAILER_BYTES) throw new HttpResponseError(`the trailer section is larger than ${MAX_TRAILER_BYTES} bytes`);
      if (line === '') this.state = 'done'; // trailer fields are read and ignored
    } else {
      const match = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/.exec(line);
      if (!match) throw new HttpResponseError(`bad chunk size line "${line.slice(0, 40)}"`);
      this.remaining = parseInt(match[1]!, 16);
      this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
    }
    return lineEnd + 1;
  }
}

function parseHead(text: string): { head: ResponseHead; version: string } {
  const lines = text.split('\r\n');
  const statusMatch = STATUS_LINE.exec(lines[0]!);
  if (!statusMatch) throw new HttpResponseError(`not an HTTP/1.1 status line: ${JSON.stringify(lines[0]!.slice(0, 60))}`);
  // No prototype: a field named "constructor" or "__proto__" is a field like any other.
  const headers: Record<string, string> = Object.create(null);
  for (const line of lines.slice(1)) {
    // A bare CR or LF would end the line for a lenient reader and not for us (RFC 9110 5.5: reject).
    if (/[\r\n\0]/.test(line)) throw new HttpResponseError(`a bare CR, LF or NUL in the header line ${JSON.stringify(line.slice(0, 60))}`);
    if (line.startsWith(' ') || line.startsWith('\t')) throw new HttpResponseError('obsolete line folding in the response head');
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    if (colon <= 0 || !FIELD_NAME.test(name)) throw new HttpResponseError(`bad header line ${JSON.stringify(line.slice(0, 60))}`);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, ''); // OWS only: trim() would also take \v, \f, NBSP
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  if (headers['content-length'] !== undefined) {
    // Repeated fields arrive joined ("5, 5"): all must agree, or the body's end is ambiguous.
    const values = new Set(headers['content-length'].split(',').map((v) => v.replace(/^[ \t]+|[ \t]+$/g, '')));
    const [only] = values;
    if (values.size !== 1 || !/^[0-9]{1,15}$/.test(only!)) throw new HttpResponseError(`bad Content-Length "${headers['content-length']}"`);
    headers['content-length'] = only!;
  }
  return { head: { status: Number(statusMatch[2]), headers }, version: `1.${statusMatch[1]}` };
}
