/**
 * A client for one registry speaking the OCI distribution spec: ping, manifests (by tag or digest, with
 * every schema 2 / OCI type in Accept), blobs (streamed into the store through verification, resumed with
 * Range after a dropped connection), and the push side (existence check, cross-repository mount, monolithic
 * or chunked upload, manifest PUT). Errors name the registry, the repository, the reference and the status.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { checkDigest } from '../reference/parse.ts';
import type { BlobWriter } from '../store/blob-writer.ts';
import { hashFor, sha256Digest } from '../store/digest.ts';
import type { Descriptor } from '../store/layout.ts';
import { RegistryAuth } from './auth.ts';
import { type Credentials, findCredentials } from './credentials.ts';
import { DigestMismatchError, RegistryError, RegistryHttpError, describeErrorBody } from './errors.ts';
import { type ParsedManifest, parseManifest } from './manifest.ts';
import { MANIFEST_ACCEPT, MAX_MANIFEST_BYTES } from './media-types.ts';
import { HttpResponseError, type ResponseHead } from './http-response-parser.ts';
import { type HttpResponse, type RequestOptions, discard, readBody, send } from './transport.ts';

export interface ClientOptions {
  /** Allow plain http and skip certificate checks (--insecure / --tls-verify=false). */
  insecure?: boolean;
  credentials?: Credentials;
  authFile?: string;
}

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
  parsed: ParsedManifest;
}

const ERROR_BODY_LIMIT = 64 * 1024;
const MAX_RESUMES = 5;

/** Docker Hub's API host differs from the name in references. */
function apiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

function isLoopback(registry: string): boolean {
  const host = registry.replace(/:[0-9]+$/, '');
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host.endsWith('.localhost');
}

export class RegistryClient {
  private readonly auth: RegistryAuth;
  private base: URL | undefined;

  constructor(readonly registry: string, private readonly options: ClientOptions = {}) {
    // Looked up on the first challenge only: an open registry never runs a credential helper.
    const credentials = options.credentials ?? (() => findCredentials(registry, options.authFile));
    this.auth = new RegistryAuth(registry, credentials, !options.insecure);
  }

  /** https, except for loopback registries and --insecure ones, which may answer plain http. */
  private async baseUrl(): Promise<URL> {
    if (this.base) return this.base;
    const host = apiHost(this.registry);
    if (isLoopback(this.registry)) return (this.base = new URL(`http://${host}`));
    const https = new URL(`https://${host}`);
    if (!this.options.insecure) return (this.base = https);
    try {
      discard(await send(new URL('/v2/', https), { verifyTls: false, maxRetries: 0 }));
      return (this.base = https);
    } catch {
      return (this.base = new URL(`http://${host}`));
    }
  }

  /** Sends a request with the scopes it needs, answering the registry's auth challenge once. */
  private async request(scopes: string[], path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const url = path.startsWith('http') ? new URL(path) : new URL(path, await this.baseUrl());
    for (let attempt = 0; ; attempt++) {
      const authorization = await this.auth.authorization(scopes);
      let response: HttpResponse;
      try {
        response = await send(url, { ...options, authorization, verifyTls: !this.options.insecure });
      } catch (e) {
        if (e instanceof RegistryError) throw e;
        if (e instanceof HttpResponseError) throw new RegistryError(`registry ${this.registry} (${url.origin}) sent a malformed response: ${e.message}`);
        throw new RegistryError(`cannot reach registry ${this.registry} (${url.origin}): ${(e as Error).message}`);
      }
      if (response.status !== 401) return response;
      discard(response);
      // Only the registry's own challenge is answered: a 401 from a host a redirect led to (blob
      // storage) could name any token realm, and answering it would send our credentials there.
      const fromRegistry = response.url.origin === url.origin;
      if (attempt === 0 && fromRegistry && this.auth.onUnauthorized(response.headers['www-authenticate'], scopes, authorization)) continue;
      throw new RegistryError(`registry ${this.registry} refused ${this.auth.hasCredentials() ? 'the credentials' : 'anonymous access'} for ${scopes.join(' ') || '/v2/'} (HTTP 401); check tsimg login ${this.registry}`, 401);
    }
  }

  private async fail(response: HttpResponse, what: string, repository: string, reference: string): Promise<never> {
    let detail = '';
    try {
      detail = describeErrorBody((await readBody(response, ERROR_BODY_LIMIT, 'error body')).toString('utf8'));
    } catch {
      /* the status says enough */
    }
    throw new RegistryHttpError(what, this.registry, repository, reference, response.status, detail);
  }

  async ping(): Promise<void> {
    const response = await this.request([], '/v2/');
    discard(response);
    if (response.status !== 200) throw new RegistryError(`registry ${this.registry} is not an OCI registry: GET /v2/ answered HTTP ${response.status}`, response.status);
  }

  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const where = `${this.registry}/${repository}${reference.includes(':') ? '@' : ':'}${reference}`;
    const response = await this.request([`repository:${repository}:pull`], `/v2/${repository}/manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT } });
    if (response.status !== 200) return this.fail(response, 'fetching manifest', repository, reference);
    const bytes = await readBody(response, MAX_MANIFEST_BYTES, `manifest of ${where}`);
    const contentType = response.headers['content-type'];
    const byDigest = reference.includes(':');
    const header = response.headers['docker-content-digest'];
    const expected = byDigest ? reference : typeof header === 'string' && /^sha(256|512):/.test(header) ? header : undefined;
    const digest = sha256Digest(bytes);
    if (expected) {
      const actual = expected.startsWith('sha256:') ? digest : `sha512:${hashFor(expected).update(bytes).digest('hex')}`;
      if (expected !== actual) throw new DigestMismatchError(`manifest of ${where}`, expected, actual);
    }
    const parsed = parseManifest(bytes, contentType, `manifest of ${where}`);
    return { bytes, mediaType: parsed.mediaType, digest: byDigest ? reference : digest, parsed };
  }

  /**
   * Downloads a blob into a store writer. A connection that drops or a body that ends early is resumed
   * with `Range: bytes=N-`; a server that answers the range with the whole blob (200) starts it over.
   * The body goes straight from the socket's read buffer into the writer (transport.ts, consumeBody).
   */
  async fetchBlob(repository: string, descriptor: Descriptor, writer: BlobWriter, onBytes?: (n: number) => void): Promise<void> {
    checkDigest(descriptor.digest);
    const where = `blob ${descriptor.digest} of ${this.registry}/${repository}`;
    for (let resumes = 0; ; resumes++) {
      const resumeAt = writer.received;
      const headers: Record<string, string> = resumeAt > 0 ? { range: `bytes=${resumeAt}-` } : {};
      let consumed = false;
      // A store error (ENOSPC, EIO) must not read as "cannot reach registry" further up.
      const intoStore = (action: () => void) => {
        try {
          action();
        } catch (e) {
          if (e instanceof RegistryError) throw e;
          throw new RegistryError(`${where}: writing it into the store failed: ${(e as Error).message}`);
        }
      };
      const consumeBody = ({ status, headers: answer }: ResponseHead) => {
        if (resumeAt > 0 && status === 200) {
          onBytes?.(-resumeAt);
          intoStore(() => writer.restart());
        } else if (resumeAt > 0 && status === 206) {
          if (!String(answer['content-range'] ?? '').startsWith(`bytes ${resumeAt}-`)) return undefined;
        } else if (status !== 200) {
          return undefined;
        }
        consumed = true;
        return (piece: Buffer) => {
          intoStore(() => writer.write(piece));
          onBytes?.(piece.length);
        };
      };
      const response = await this.request([`repository:${repository}:pull`], `/v2/${repository}/blobs/${descriptor.digest}`, { headers, consumeBody });
      if (!consumed) {
        if (resumeAt > 0 && response.status === 206) {
          discard(response);
          throw new RegistryError(`${where}: the registry resumed at "${String(response.headers['content-range'] ?? '')}", not byte ${resumeAt}`);
        }
        return this.fail(response, `fetching blob ${descriptor.digest} of`, repository, descriptor.digest);
      }
      // Every byte is here even if the framing's tail is not (a chunked body's last chunk, say): the
      // digest check at commit decides, rather than a Range request past the end.
      if (writer.received >= descriptor.size) return;
      if (resumes >= MAX_RESUMES) {
        const why = response.body.complete ? 'the body ended' : (response.body.cutShort ?? 'the connection closed');
        throw new RegistryError(`${where}: ${why} after ${writer.received} of ${descriptor.size} bytes (gave up after ${resumes} resumes)`);
      }
    }
  }

  async blobExists(repository: string, digest: string): Promise<boolean> {
    const response = await this.request([`repository:${repository}:pull`], `/v2/${repository}/blobs/${digest}`, { method: 'HEAD' });
    discard(response);
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw new RegistryHttpError('checking blob of', this.registry, repository, digest, response.status, '');
  }

  /** Starts an upload session; with `mountFrom`, asks the registry to link the blob from another repository instead. */
  private async startUpload(repository: string, digest: string, mountFrom?: string): Promise<{ mounted: true } | { mounted: false; location: URL }> {
    const scopes = [`repository:${repository}:pull,push`, ...(mountFrom ? [`repository:${mountFrom}:pull`] : [])];
    const query = mountFrom ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}` : '';
    const response = await this.request(scopes, `/v2/${repository}/blobs/uploads/${query}`, { method: 'POST', body: Buffer.alloc(0) });
    if (response.status === 201 && mountFrom) {
      discard(response);
      return { mounted: true };
    }
    if (response.status !== 202) return this.fail(response, 'starting upload to', repository, digest);
    discard(response);
    return { mounted: false, location: this.location(response, repository, digest) };
  }

  private location(response: HttpResponse, repository: string, digest: string): URL {
    const location = response.headers.location;
    if (!location) throw new RegistryError(`registry ${this.registry} gave no upload location for ${repository} blob ${digest}`);
    return new URL(location, response.url);
  }

  /**
   * Pushes a blob from a file unless the repository has it already; tries a cross-repository mount first when
   * the blob is known to be in `mountFrom` on the same registry. `chunkSize` switches to chunked PATCH uploads.
   * Returns how the blob got there.
   */
  async pushBlob(repository: string, descriptor: Descriptor, file: string, options: { mountFrom?: string; chunkSize?: number } = {}): Promise<'exists' | 'mounted' | 'uploaded'> {
    if (await this.blobExists(repository, descriptor.digest)) return 'exists';
    const started = await this.startUpload(repository, descriptor.digest, options.mountFrom);
    if (started.mounted) return 'mounted';
    const scopes = [`repository:${repository}:pull,push`];
    let location = started.location;
    if (options.chunkSize && options.chunkSize > 0) {
      for (let offset = 0; offset < descriptor.size; offset += options.chunkSize) {
        const end = Math.min(offset + options.chunkSize, descriptor.size) - 1;
        const response = await this.request(scopes, location.href, {
          method: 'PATCH',
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${end}`, 'content-length': String(end - offset + 1) },
          body: () => createReadStream(file, { start: offset, end }),
        });
        if (response.status !== 202) return this.fail(response, `uploading chunk ${offset}-${end} of ${descriptor.digest} to`, repository, descriptor.digest);
        discard(response);
        location = this.location(response, repository, descriptor.digest);
      }
      location.searchParams.set('digest', descriptor.digest);
      const response = await this.request(scopes, location.href, { method: 'PUT', body: Buffer.alloc(0) });
      if (response.status !== 201) return this.fail(response, `completing upload of ${descriptor.digest} to`, repository, descriptor.digest);
      discard(response);
      return 'uploaded';
    }
    location.searchParams.set('digest', descriptor.digest);
    const response = await this.request(scopes, location.href, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(descriptor.size) },
      body: (): Readable => createReadStream(file),
    });
    if (response.status !== 201) return this.fail(response, `uploading blob ${descriptor.digest} to`, repository, descriptor.digest);
    discard(response);
    return 'uploaded';
  }

  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<void> {
    const response = await this.request([`repository:${repository}:pull,push`], `/v2/${repository}/manifests/${reference}`, {
      method: 'PUT',
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    if (response.status !== 201 && response.status !== 200) return this.fail(response, 'pushing manifest', repository, reference);
    discard(response);
  }
}
