import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReference, parseReference } from './parse.ts';

const digest = `sha256:${'a'.repeat(64)}`;

test('short names expand the way docker expands them', () => {
  assert.equal(formatReference(parseReference('busybox')), 'docker.io/library/busybox:latest');
  assert.equal(formatReference(parseReference('user/app:1.0')), 'docker.io/user/app:1.0');
  assert.equal(formatReference(parseReference('index.docker.io/library/alpine')), 'docker.io/library/alpine:latest');
});

test('a first component with a dot, a port or localhost is the registry', () => {
  assert.deepEqual(parseReference('localhost:5000/ns/repo:tag'), { domain: 'localhost:5000', path: 'ns/repo', tag: 'tag' });
  assert.deepEqual(parseReference('quay.io/coreos/etcd'), { domain: 'quay.io', path: 'coreos/etcd', tag: 'latest' });
  assert.deepEqual(parseReference('localhost/x'), { domain: 'localhost', path: 'x', tag: 'latest' });
  assert.deepEqual(parseReference('127.0.0.1:5000/a/b/c'), { domain: '127.0.0.1:5000', path: 'a/b/c', tag: 'latest' });
});

test('digests, alone or with a tag', () => {
  assert.deepEqual(parseReference(`repo@${digest}`), { domain: 'docker.io', path: 'library/repo', digest });
  assert.deepEqual(parseReference(`h.io:1/r:t@${digest}`), { domain: 'h.io:1', path: 'r', tag: 't', digest });
});

test('invalid references are refused with the reason', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['Busybox', /lowercase/],
    ['repo:bad tag', /tag/],
    ['repo:-x', /tag/],
    ['repo@sha256:abc', /digest/],
    [`repo@sha256:${'A'.repeat(64)}`, /64 lowercase hex/],
    ['a//b', /empty component/],
    ['a/b_-c', /path component/],
    ['host:port/x', /port "port"/],
    [':tag', /repository name is missing/],
    [`x/${'a'.repeat(260)}`, /longer than 255/],
  ];
  for (const [input, reason] of cases) {
    assert.throws(() => parseReference(input), (e: Error) => reason.test(e.message) && e.message.includes(`"${input.trim()}"`), input);
  }
});
