import { connect, type Socket } from 'node:net';
import { decodeMessage, encodeMessage } from '../protocol/proto-schema.ts';
import { FrameReader, FrameType, encodeFrame } from './frame-codec.ts';
import { RpcError } from './rpc-status.ts';

interface WireResponse { status: { code: number; message: string } | null; payload: Uint8Array }

/**
 * A ttrpc client on one unix socket connection: odd stream ids, as ttrpc clients use, and any
 * number of calls in flight. A call fails with RpcError when the status is not OK, and with a
 * plain Error when the connection goes away first.
 */
export class TtrpcClient {
  private nextStream = 1;
  private readonly calls = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  private readonly sock: Socket;
  private readonly ready: Promise<void>;

  constructor(path: string) {
    this.sock = connect(path);
    this.ready = new Promise((resolve, reject) => {
      this.sock.once('connect', resolve);
      this.sock.once('error', reject);
    });
    const reader = new FrameReader();
    this.sock.on('data', (chunk: Buffer) => {
      try {
        for (const f of reader.push(chunk)) {
          if (f.type !== FrameType.Response) continue;
          const call = this.calls.get(f.streamId);
          if (!call) continue;
          this.calls.delete(f.streamId);
          const res = decodeMessage<WireResponse>('ttrpc.Response', f.payload);
          if (res.status && res.status.code !== 0) call.reject(new RpcError(res.status.code, res.status.message));
          else call.resolve(res.payload);
        }
      } catch (err) {
        this.fail(err as Error);
      }
    });
    this.sock.on('error', (err) => this.fail(err));
    this.sock.on('close', () => this.fail(new Error(`ttrpc: connection to ${path} closed`)));
  }

  async call(service: string, method: string, payload: Uint8Array, metadata: Record<string, string> = {}, timeoutMs = 0): Promise<Uint8Array> {
    await this.ready;
    const streamId = this.nextStream;
    this.nextStream += 2;
    const req = encodeMessage('ttrpc.Request', {
      service, method, payload, timeoutNano: timeoutMs * 1e6,
      metadata: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    });
    return new Promise((resolve, reject) => {
      const timer = timeoutMs > 0 ? setTimeout(() => {
        this.calls.delete(streamId);
        reject(new Error(`ttrpc: ${service}/${method}: no answer in ${timeoutMs} ms`));
      }, timeoutMs) : undefined;
      this.calls.set(streamId, {
        resolve: (b) => { clearTimeout(timer); resolve(b); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.sock.write(encodeFrame({ streamId, type: FrameType.Request, flags: 0, payload: Buffer.from(req) }));
    });
  }

  close(): void {
    this.sock.destroy();
  }

  private fail(err: Error): void {
    for (const call of this.calls.values()) call.reject(err);
    this.calls.clear();
  }
}
