/**
 * ttrpc frames (containerd/ttrpc PROTOCOL.md): a 10-byte header — u32 big-endian payload length,
 * u32 stream id, u8 message type, u8 flags — then the payload, at most 4 MiB.
 */
export const HEADER_SIZE = 10;
export const MAX_PAYLOAD = 4 << 20;

export const enum FrameType { Request = 1, Response = 2, Data = 3 }

export interface Frame { streamId: number; type: number; flags: number; payload: Buffer }

export function encodeFrame(frame: Frame): Buffer {
  if (frame.payload.length > MAX_PAYLOAD) throw new TtrpcFrameError(`ttrpc: message of ${frame.payload.length} bytes on stream ${frame.streamId} is over the 4 MiB limit`);
  const header = Buffer.allocUnsafe(HEADER_SIZE);
  header.writeUInt32BE(frame.payload.length, 0);
  header.writeUInt32BE(frame.streamId, 4);
  header.writeUInt8(frame.type, 8);
  header.writeUInt8(frame.flags, 9);
  return Buffer.concat([header, frame.payload]);
}

export class TtrpcFrameError extends Error {}

/**
 * Splits a byte stream into frames, whatever the chunking. A frame announced over the limit is
 * an error: the stream cannot be resynchronised after it, so the connection must be closed.
 */
export class FrameReader {
  private pending: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): Frame[] {
    this.pending.push(chunk);
    this.size += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.size < HEADER_SIZE) break;
      const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
      this.pending = [buf];
      const length = buf.readUInt32BE(0);
      if (length > MAX_PAYLOAD) throw new TtrpcFrameError(`ttrpc: frame on stream ${buf.readUInt32BE(4)} announces ${length} bytes, over the 4 MiB limit`);
      if (buf.length < HEADER_SIZE + length) break;
      frames.push({ streamId: buf.readUInt32BE(4), type: buf.readUInt8(8), flags: buf.readUInt8(9), payload: buf.subarray(HEADER_SIZE, HEADER_SIZE + length) });
      const rest = buf.subarray(HEADER_SIZE + length);
      this.pending = rest.length ? [rest] : [];
      this.size = rest.length;
    }
    return frames;
  }
}
