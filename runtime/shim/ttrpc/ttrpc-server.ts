import { createServer, type Server, type Socket } from 'node:net';
import { decodeMessage, encodeMessage } from '../protocol/proto-schema.ts';
import { FrameReader, FrameType, encodeFrame, type Frame } from './frame-codec.ts';
import { Code, RpcError } from './rpc-status.ts';

/** What a handler gets besides its request: the caller's metadata (the containerd namespace is there). */
export interface CallContext { metadata: Record<string, string>; service: string; method: string }

/** A method takes the request payload and returns the response payload; an RpcError becomes its status. */
export type MethodHandler = (payload: Uint8Array, ctx: CallContext) => Promise<Uint8Array>;

interface WireRequest { service: string; method: string; payload: Uint8Array; timeoutNano: number; metadata: { key: string; value: string }[] }

/**
 * A ttrpc server: requests are dispatched as they come, so a long call (Wait) does not hold the
 * others on the same connection; responses go back on the request's stream id. A malformed
 * frame closes that connection only.
 */
export class TtrpcServer {
  private readonly services = new Map<string, Map<string, MethodHandler>>();
  private readonly sockets = new Set<Socket>();
  private server?: Server;

  register(service: string, methods: Record<string, MethodHandler>): void {
    this.services.set(service, new Map(Object.entries(methods)));
  }

  /** Serves on an existing listening server (the shim binds its socket itself). */
  attach(server: Server): void {
    this.server = server;
    server.on('connection', (sock) => this.serve(sock));
  }

  listen(path: string): Promise<void> {
    const server = createServer();
    this.attach(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => { server.off('error', reject); resolve(); });
    });
  }

  close(): void {
    this.server?.close();
    for (const s of this.sockets) s.destroy();
  }

  private serve(sock: Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    const reader = new FrameReader();
    sock.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = reader.push(chunk);
      } catch {
        sock.destroy();
        return;
      }
      for (const f of frames) {
        if (f.type !== FrameType.Request) continue; // no streaming calls in the task API: data frames are ignored
        void this.dispatch(f).then((payload) => {
          if (!sock.destroyed) sock.write(encodeFrame({ streamId: f.streamId, type: FrameType.Response, flags: 0, payload }));
        });
      }
    });
  }

  /** Always resolves with an encoded Response: a failure is a status, never an exception. */
  private async dispatch(frame: Frame): Promise<Buffer> {
    let status = { code: Code.OK as number, message: '' };
    let payload: Uint8Array = new Uint8Array(0);
    try {
      let req: WireRequest;
      try {
        req = decodeMessage<WireRequest>('ttrpc.Request', frame.payload);
      } catch (err) {
        throw new RpcError(Code.INVALID_ARGUMENT, `ttrpc: stream ${frame.streamId}: malformed request: ${(err as Error).message}`);
      }
      const methods = this.services.get(req.service);
      if (!methods) throw new RpcError(Code.UNIMPLEMENTED, `ttrpc: service ${req.service} is not served here`);
      const handler = methods.get(req.method);
      if (!handler) throw new RpcError(Code.UNIMPLEMENTED, `ttrpc: ${req.service}/${req.method} is not implemented`);
      const metadata = Object.fromEntries(req.metadata.map((kv) => [kv.key, kv.value]));
      payload = await handler(req.payload, { metadata, service: req.service, method: req.method });
    } catch (err) {
      status = err instanceof RpcError ? { code: err.code, message: err.message } : { code: Code.UNKNOWN, message: (err as Error).message };
    }
    return Buffer.from(encodeMessage('ttrpc.Response', { status, payload }));
  }
}
