/** The blob GET's response parser, fed whole and split at every byte, with well-formed and malformed responses. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HttpResponseParser, type ResponseHead } from './http-response-parser.ts';

interface Parsed {
  heads: ResponseHead[];
  body: Buffer;
  complete: boolean;
}

/** Feeds `wire` in pieces of `step` bytes (0: all at once), each through a reused buffer as the socket does. */
function parse(wire: string | Buffer, step = 0, closeAtEnd = false): Parsed {
  const bytes = Buffer.isBuffer(wire) ? wire : Buffer.from(wire, 'latin1');
  const heads: ResponseHead[] = [];
  const pieces: Buffer[] = [];
  const parser = new HttpResponseParser({ onHead: (h) => heads.push(h), onBody: (p) => pieces.push(Buffer.from(p)) });
  const reused = Buffer.alloc(Math.max(step, bytes.length));
  for (let at = 0; at < bytes.length; at += step || bytes.length) {
    const n = bytes.copy(reused, 0, at, step ? at + step : bytes.length);
    parser.feed(reused.subarray(0, n));
    reused.fill(0x55); // a piece kept past onBody would now read as garbage
  }
  if (closeAtEnd) parser.end();
  return { heads, body: Buffer.concat(pieces), complete: parser.complete };
}

const everySplit = (wire: string, check: (p: Parsed) => void, closeAtEnd = false) => {
  for (const step of [0, 1, 2, 3, 7, 16]) check(parse(wire, step, closeAtEnd));
};

describe('HTTP response parser', () => {
  test('a Content-Length body, whole and split anywhere', () => {
    everySplit('HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Two: a\r\nx-two: b\r\n\r\nhello world', (p) => {
      assert.equal(p.heads.length, 1);
      assert.equal(p.heads[0]!.status, 200);
      assert.equal(p.heads[0]!.headers['x-two'], 'a, b');
      assert.equal(p.body.toString(), 'hello world');
      assert.equal(p.complete, true);
    });
  });

  test('bytes past a Content-Length body are not body', () => {
    const p = parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA');
    assert.equal(p.body.toString(), 'ok');
    assert.equal(p.complete, true);
  });

  test('a body cut short is not complete', () => {
    const p = parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf', 0, true);
    assert.equal(p.body.toString(), 'half');
    assert.equal(p.complete, false);
  });

  test('a chunked body with extensions and trailers, split anywhere', () => {
    const wire = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;name=value\r\nhello\r\n1\r\n \r\nA \r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n';
    everySplit(wire, (p) => {
      assert.equal(p.body.toString(), 'hello 0123456789');
      assert.equal(p.complete, true);
    });
  });

  test('a chunked body without its last chunk is not complete', () => {
    const p = parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n', 0, true);
    assert.equal(p.body.toString(), 'abc');
    assert.equal(p.complete, false);
  });

  test('a body without length runs to the close; 1xx heads are skipped; 204 has no body', () => {
    everySplit('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nuntil the end', (p) => {
      assert.deepEqual(p.heads.map((h) => h.status), [200]);
      assert.equal(p.body.toString(), 'until the end');
      assert.equal(p.complete, true);
    }, true);
    assert.equal(parse('HTTP/1.1 200 OK\r\n\r\nsome', 0, false).complete, false, 'not before the close');
    const noContent = parse('HTTP/1.1 204 No Content\r\n\r\n');
    assert.equal(noContent.complete, true);
    assert.equal(noContent.body.length, 0);
  });

  test('malformed responses fail with what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['SSH-2.0-OpenSSH\r\n\r\n', /not an HTTP\/1.1 status line: "SSH-2.0-OpenSSH"/],
      ['HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n', /obsolete line folding/],
      ['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', /bad header line "no colon here"/],
      ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', /bad Content-Length "5, 6"/],
      ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /bad Content-Length "-1"/],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /bad chunk size line "zz"/],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', /chunk data is longer than its size says/],
      ['HTTP/1.1 101 Switching Protocols\r\n\r\n', /switched protocols/],
      [`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`, /response head is larger than 65536 bytes/],
      // Heads a lenient parser would frame otherwise (llhttp refuses each of these too).
      ['HTTP/1.1 200 OK\r\nX: a\nContent-Length: 3\r\n\r\nabcdef', /a bare CR, LF or NUL in the header line/],
      ['HTTP/1.1 200 OK\r\nX: y\rContent-Length: 3\r\n\r\nabcdef', /a bare CR, LF or NUL in the header line/],
      ['HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 1\r\n\r\na', /a bare CR, LF or NUL in the header line/],
      ['HTTP/1.1 200 OK\r\nContent-Length: 3\x0b\r\n\r\nabc', /bad Content-Length/],
      ['HTTP/1.1 200 OK\r\nContent-Length: \xa03\r\n\r\nabc', /bad Content-Length/],
      ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', /both Transfer-Encoding and Content-Length/],
      ['HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', /an HTTP\/1.0 response with Transfer-Encoding/],
      ['HTTP/1.1 102 Processing\r\n\r\n'.repeat(11), /more than 10 informational/],
      [`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${'X-T: 1234567890\r\n'.repeat(5000)}\r\n`, /trailer section is larger than 65536 bytes/],
    ];
    for (const [wire, message] of cases) {
      for (const step of [0, 1000]) assert.throws(() => parse(wire, step), message, wire.slice(0, 50));
    }
  });

  test('field names are only names: "constructor" and "__proto__" are fields like any other', () => {
    const p = parse('HTTP/1.1 200 OK\r\nConstructor: x\r\n__proto__: y\r\nContent-Length: 0\r\n\r\n');
    assert.equal(p.heads[0]!.headers.constructor, 'x');
    assert.equal(p.heads[0]!.headers['__proto__'], 'y');
  });

  test('repeated Content-Length fields that agree are one length', () => {
    const p = parse('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc');
    assert.equal(p.heads[0]!.headers['content-length'], '3');
    assert.equal(p.complete, true);
  });
});
