import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWwwAuthenticate } from './www-authenticate.ts';

test('a Bearer challenge with a quoted scope holding commas', () => {
  const [c] = parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull,push"');
  assert.deepEqual(c, { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:a/b:pull,push' } });
});

test('several challenges, unquoted values and escapes', () => {
  const cs = parseWwwAuthenticate('Basic realm="Registry \\"x\\"", Bearer realm=https://t/token, error=invalid_token');
  assert.equal(cs.length, 2);
  assert.deepEqual(cs[0], { scheme: 'basic', params: { realm: 'Registry "x"' } });
  assert.deepEqual(cs[1], { scheme: 'bearer', params: { realm: 'https://t/token', error: 'invalid_token' } });
});

test('garbage yields no params rather than hanging', () => {
  assert.deepEqual(parseWwwAuthenticate('"""=,,'), []);
});
