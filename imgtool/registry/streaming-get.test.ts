/**
 * streamingGet against raw TCP and TLS servers of this test that write exact bytes: what goes on the
 * wire, whole and cut-short bodies, a refused body, errors before the head, a consumer that throws, and
 * certificate checks. A fake peer is right here: the point is the bytes a real server would not misorder.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { type StreamingGetOptions, streamingGet } from './streaming-get.ts';
import { send } from './transport.ts';

type Reply = (socket: net.Socket, request: string) => void;

/** A server that reads one request head and lets `reply` answer; returns its URL base and what it received. */
async function rawServer(reply: Reply, secure?: { key: Buffer; cert: Buffer }) {
  const requests: string[] = [];
  const onConnection = (socket: net.Socket) => {
    let head = '';
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        requests.push(head);
        reply(socket, head);
        head = '';
      }
    });
    socket.on('error', () => undefined);
  };
  const server = secure ? tls.createServer(secure, onConnection) : net.createServer(onConnection);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { base: `${secure ? 'https' : 'http'}://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(r)) };
}

const collect = () => {
  const pieces: Buffer[] = [];
  return { pieces, options: (more: Partial<StreamingGetOptions> = {}): StreamingGetOptions => ({
    headers: { 'user-agent': 'test' },
    idleTimeoutMs: 5000,
    keepLimit: 1024,
    consumerFor: (h) => (h.status === 200 ? (p) => void pieces.push(Buffer.from(p)) : undefined),
    ...more,
  }) };
};

describe('streamingGet', () => {
  const big = Buffer.alloc(3 << 20);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE(i, i);

  test('sends one GET with Host and the given fields, and hands a large body to the consumer whole', async () => {
    const server = await rawServer((s) => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n`);
      s.end(big);
    });
    try {
      const { pieces, options } = collect();
      const result = await streamingGet(new URL(`${server.base}/v2/x/blobs/sha256:ab?q=1`), options({ headers: { 'user-agent': 'test', range: 'bytes=5-' } }));
      assert.equal(result.status, 200);
      assert.equal(result.complete, true);
      assert.equal(result.kept.length, 0);
      assert.ok(Buffer.concat(pieces).equals(big), 'the consumer got every byte, in order');
      const [line, ...fields] = server.requests[0]!.trim().split('\r\n');
      assert.equal(line, 'GET /v2/x/blobs/sha256:ab?q=1 HTTP/1.1');
      assert.deepEqual(fields.sort(), ['Connection: close', `Host: ${new URL(server.base).host}`, 'range: bytes=5-', 'user-agent: test']);
    } finally {
      await server.close();
    }
  });

  test('a connection cut in the body resolves as incomplete, with what arrived consumed', async () => {
    const server = await rawServer((s) => s.end(`HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${'x'.repeat(40)}`));
    try {
      const { pieces, options } = collect();
      const result = await streamingGet(new URL(`${server.base}/b`), options());
      assert.equal(result.complete, false);
      assert.equal(Buffer.concat(pieces).length, 40);
    } finally {
      await server.close();
    }
  });

  test('a connection closed before any head rejects with a retryable code', async () => {
    const server = await rawServer((s) => s.destroy());
    try {
      await assert.rejects(streamingGet(new URL(`${server.base}/b`), collect().options()), (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET');
    } finally {
      await server.close();
    }
  });

  test('a refused body is kept up to the limit; past it the response is marked incomplete', async () => {
    const server = await rawServer((s, req) => {
      const body = req.startsWith('GET /small') ? '{"errors":[{"code":"BLOB_UNKNOWN"}]}' : 'e'.repeat(5000);
      s.end(`HTTP/1.1 404 Not Found\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    });
    try {
      const { pieces, options } = collect();
      const small = await streamingGet(new URL(`${server.base}/small`), options());
      assert.deepEqual([small.status, small.complete, small.kept.toString()], [404, true, '{"errors":[{"code":"BLOB_UNKNOWN"}]}']);
      const large = await streamingGet(new URL(`${server.base}/large`), options());
      assert.equal(large.complete, false);
      assert.ok(large.kept.length <= 1024);
      assert.equal(pieces.length, 0, 'no consumer was asked to take a refused body');
    } finally {
      await server.close();
    }
  });

  test('what the consumer throws, and a malformed response, reject the GET', async () => {
    const server = await rawServer((s, req) => s.end(req.startsWith('GET /bad') ? 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n' : 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'));
    try {
      const options = collect().options({ consumerFor: () => () => { throw new Error('disk full'); } });
      await assert.rejects(streamingGet(new URL(`${server.base}/ok`), options), /disk full/);
      await assert.rejects(streamingGet(new URL(`${server.base}/bad`), collect().options()), /bad Content-Length "1, 2"/);
    } finally {
      await server.close();
    }
  });

  test('a consumer error with a code is not taken for a connection failure: send() does not fetch the body again', async () => {
    const server = await rawServer((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nabcdefghij');
      setTimeout(() => s.end('klmnopqrst'), 50); // a second read, so a second piece
    });
    try {
      const pieces: string[] = [];
      const consumer = (piece: Buffer) => {
        pieces.push(piece.toString());
        if (pieces.length === 2) throw Object.assign(new Error('pipe closed'), { code: 'EPIPE' });
      };
      await assert.rejects(send(new URL(`${server.base}/b`), { consumeBody: () => consumer }), (e: Error & { code?: string; cause?: { code?: string } }) => {
        assert.equal(e.code, undefined);
        assert.equal(e.cause?.code, 'EPIPE');
        return /pipe closed/.test(e.message);
      });
      assert.equal(server.requests.length, 1, 'one GET: the partly consumed body was not asked for again');
      assert.equal(pieces.join(''), 'abcdefghijklmnopqrst');
    } finally {
      await server.close();
    }
  });

  test('a header value with a line break is refused before anything is sent', async () => {
    const server = await rawServer((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    try {
      const options = collect().options({ headers: { authorization: 'Bearer x\r\nX-Injected: 1' } });
      assert.throws(() => streamingGet(new URL(`${server.base}/b`), options), /refusing to send the header field "authorization"/);
      assert.deepEqual(server.requests, []);
    } finally {
      await server.close();
    }
  });

  describe('over TLS', () => {
    let dir: string;
    let server: Awaited<ReturnType<typeof rawServer>>;
    let ca: Buffer;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tsimg-streaming-get-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=tsimg-test', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      ca = readFileSync(join(dir, 'cert.pem'));
      server = await rawServer((s) => {
        s.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n`);
        s.write(big);
        s.end('\r\n0\r\n\r\n');
      }, { key: readFileSync(join(dir, 'key.pem')), cert: ca });
    });
    after(async () => {
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('a chunked body through a verified connection', async () => {
      const { pieces, options } = collect();
      const result = await streamingGet(new URL(`${server.base}/b`), options({ tls: { secureContext: tls.createSecureContext({ ca }), rejectUnauthorized: true } }));
      assert.equal(result.complete, true);
      assert.ok(Buffer.concat(pieces).equals(big));
    });

    test('a certificate no trusted CA signed is refused, unless checks are off', async () => {
      await assert.rejects(streamingGet(new URL(`${server.base}/b`), collect().options({ tls: { rejectUnauthorized: true } })), /self.signed certificate/);
      const { pieces, options } = collect();
      const unchecked = await streamingGet(new URL(`${server.base}/b`), options({ tls: { rejectUnauthorized: false } }));
      assert.equal(unchecked.complete, true);
      assert.equal(Buffer.concat(pieces).length, big.length);
    });
  });
});
