/** The ttrpc codec and a client/server round trip on a real unix socket (no containerd needed). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FrameReader, encodeFrame, MAX_PAYLOAD, TtrpcFrameError } from '../ttrpc/frame-codec.ts';
import { decodeMessage, encodeMessage } from '../protocol/proto-schema.ts';
import { TtrpcClient } from '../ttrpc/ttrpc-client.ts';
import { TtrpcServer } from '../ttrpc/ttrpc-server.ts';
import { Code, RpcError, notFound } from '../ttrpc/rpc-status.ts';

describe('ttrpc frames', () => {
  test('the header is 10 bytes: length and stream id big-endian, then type and flags', () => {
    const f = encodeFrame({ streamId: 0x01020304, type: 2, flags: 1, payload: Buffer.from('abc') });
    assert.deepEqual([...f.subarray(0, 10)], [0, 0, 0, 3, 1, 2, 3, 4, 2, 1]);
    assert.equal(f.subarray(10).toString(), 'abc');
  });

  test('frames split across chunks at any byte come out whole and in order', () => {
    const bytes = Buffer.concat([1, 3, 5].map((id) => encodeFrame({ streamId: id, type: 1, flags: 0, payload: Buffer.alloc(id * 7, id) })));
    for (const step of [1, 3, 10, 11, bytes.length]) {
      const reader = new FrameReader();
      const got = [];
      for (let i = 0; i < bytes.length; i += step) got.push(...reader.push(bytes.subarray(i, i + step)));
      assert.deepEqual(got.map((f) => [f.streamId, f.payload.length, f.payload[0]]), [[1, 7, 1], [3, 21, 3], [5, 35, 5]], `chunks of ${step}`);
    }
  });

  test('a frame over 4 MiB is refused on both sides', () => {
    assert.throws(() => encodeFrame({ streamId: 1, type: 1, flags: 0, payload: Buffer.alloc(MAX_PAYLOAD + 1) }), /over the 4 MiB limit/);
    const header = Buffer.from([0, 0x40, 0, 1, 0, 0, 0, 7, 1, 0]);
    assert.throws(() => new FrameReader().push(header), (e: Error) => e instanceof TtrpcFrameError && /stream 7 announces 4194305 bytes/.test(e.message));
  });
});

describe('ttrpc client and server', () => {
  let dir: string;
  let server: TtrpcServer;
  let sock: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsrun-ttrpc-'));
    sock = join(dir, 's.sock');
    server = new TtrpcServer();
    server.register('containerd.task.v2.Task', {
      // Echoes the id back as the pid's length, and the namespace from the metadata in a status.
      State: async (payload, ctx) => {
        const req = decodeMessage<{ id: string }>('containerd.task.v2.StateRequest', payload);
        if (req.id === 'missing') throw notFound(`task ${req.id} not found in ${ctx.metadata['containerd-namespace-ttrpc']}`);
        if (req.id === 'slow') await new Promise((r) => setTimeout(r, 200));
        return encodeMessage('containerd.task.v2.StateResponse', { id: req.id, pid: req.id.length, status: 2 });
      },
    });
    await server.listen(sock);
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const state = (c: TtrpcClient, id: string) => c.call('containerd.task.v2.Task', 'State', encodeMessage('containerd.task.v2.StateRequest', { id }), { 'containerd-namespace-ttrpc': 'ns1' })
    .then((b) => decodeMessage<{ id: string; pid: number; status: number }>('containerd.task.v2.StateResponse', b));

  test('a call gets its answer; a slow call does not hold a quick one on the same connection', async () => {
    const c = new TtrpcClient(sock);
    const order: string[] = [];
    const slow = state(c, 'slow').then((r) => order.push(r.id));
    const quick = state(c, 'quick').then((r) => { order.push(r.id); return r; });
    assert.deepEqual(await quick, { id: 'quick', pid: 5, status: 2, bundle: '', stdin: '', stdout: '', stderr: '', terminal: false, exitStatus: 0, exitedAt: null, execId: '' });
    await slow;
    assert.deepEqual(order, ['quick', 'slow']);
    c.close();
  });

  test('errors come back as statuses: the handler\'s, an unknown method, an unknown service', async () => {
    const c = new TtrpcClient(sock);
    await assert.rejects(state(c, 'missing'), (e: Error) => e instanceof RpcError && e.code === Code.NOT_FOUND && e.message === 'task missing not found in ns1');
    await assert.rejects(c.call('containerd.task.v2.Task', 'Nope', new Uint8Array()), (e: Error) => e instanceof RpcError && e.code === Code.UNIMPLEMENTED && /Task\/Nope is not implemented/.test(e.message));
    await assert.rejects(c.call('x.Y', 'State', new Uint8Array()), (e: Error) => e instanceof RpcError && e.code === Code.UNIMPLEMENTED && /service x.Y/.test(e.message));
    c.close();
  });

  test('a malformed request gets INVALID_ARGUMENT; a bad frame closes only that connection', async () => {
    const raw = connect(sock);
    const reply = await new Promise<Buffer>((resolve) => {
      raw.on('data', resolve);
      raw.write(encodeFrame({ streamId: 9, type: 1, flags: 0, payload: Buffer.from([0x0a, 0xff]) }));
    });
    const res = decodeMessage<{ status: { code: number; message: string } }>('ttrpc.Response', new FrameReader().push(reply)[0]!.payload);
    assert.equal(res.status.code, Code.INVALID_ARGUMENT);
    assert.match(res.status.message, /stream 9: malformed request/);
    const closed = new Promise((r) => raw.on('close', r));
    raw.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 11, 1, 0]));
    await closed;
    const c = new TtrpcClient(sock);
    assert.equal((await state(c, 'after')).id, 'after');
    c.close();
  });
});
