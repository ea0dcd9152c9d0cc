/**
 * HTTP for the registry client, on node:http/https (not fetch): it needs certificate checks that can be
 * turned off per registry (--tls-verify=false), streaming bodies with backpressure straight into the store,
 * and full control of redirects. Redirects are followed here so that Authorization is only ever sent to
 * the host it was issued for (blob GETs often redirect to a storage host). Idempotent requests are retried
 * with exponential backoff on 5xx/429 and on connection resets. Blob GETs take another road for their
 * body (streaming-get.ts: a reused read buffer, ~3x the throughput); the rules above apply to them alike.
 */
import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryError } from './errors.ts';
import type { ResponseHead } from './http-response-parser.ts';
import { type BodyConsumer, streamingGet } from './streaming-get.ts';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** `complete`: the body arrived whole (IncomingMessage's meaning); `cutShort`: why not, where known. */
  body: Readable & { complete: boolean; cutShort?: string };
  /** Where the response finally came from, after redirects. */
  url: URL;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A Buffer can be resent on retry; a stream factory is called once per attempt. */
  body?: Buffer | (() => Readable);
  /** Authorization for a URL, asked again after every redirect; omitted for other hosts. */
  authorization?: string;
  /** Whether the TLS certificate is checked (the default). */
  verifyTls?: boolean;
  maxRetries?: number;
  /**
   * For a GET: picks, from the final head, a synchronous consumer that takes the body as it arrives
   * (pieces of a reused buffer); the response's body then holds nothing, and `body.complete` says whether
   * the consumer got all of it. Undefined from it leaves the body in the response (an error page).
   * A body cut short is not retried here: the consumer has part of it; the caller resumes.
   */
  consumeBody?: (head: ResponseHead) => BodyConsumer | undefined;
}

/** How much of a body a consumer refused is kept (error pages and redirects are small). */
const REFUSED_BODY_LIMIT = 64 * 1024;

const httpAgent = new http.Agent({ keepAlive: true });
let verifyingAgent: https.Agent | undefined;
let verifyingContext: tls.SecureContext | undefined;
/**
 * Made on first use: only then are the certificates of NODE_EXTRA_CA_CERTS read, if the loader deferred
 * them. One context for every connection: given `ca` strings instead, tls.connect parses them anew each time.
 */
function verifyingTls(): tls.ConnectionOptions {
  verifyingContext ??= tls.createSecureContext(deferredExtraCa());
  return { secureContext: verifyingContext, rejectUnauthorized: true };
}
function httpsAgent(): https.Agent {
  verifyingAgent ??= new https.Agent({ keepAlive: true, ...verifyingTls() });
  return verifyingAgent;
}

/**
 * dist/tsimg starts node without NODE_EXTRA_CA_CERTS, which Node 20 would parse at start-up
 * (scripts/tsrun-loader.cjs says why), and leaves its value in TSRUN_DEFERRED_CA_CERTS. Trusting
 * them here, beside Node's own roots, gives HTTPS the trust it would have had.
 */
function deferredExtraCa(): { ca?: string[] } {
  const file = process.env.TSRUN_DEFERRED_CA_CERTS;
  if (!file) return {};
  try {
    return { ca: [...tls.rootCertificates, readFileSync(file, 'utf8')] };
  } catch (err) {
    // What Node itself does when it cannot read the file: warn and go on with its own roots.
    process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${(err as Error).message}`);
    return {};
  }
}
const httpsAgentNoVerify = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRYABLE_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
const MAX_REDIRECTS = 10;
const IDLE_TIMEOUT_MS = 60_000;
/** Tests shorten the backoff; the default (200 ms, doubling) suits real registries. */
const BACKOFF_MS = Number(process.env.TSIMG_RETRY_BACKOFF_MS ?? 200);

function sendOnce(url: URL, options: RequestOptions, authorization: string | undefined): Promise<HttpResponse> {
  const isHttps = url.protocol === 'https:';
  const headers: Record<string, string> = { 'user-agent': 'tsimg', ...options.headers };
  if (authorization) headers.authorization = authorization;
  if (options.consumeBody && (options.method ?? 'GET') === 'GET' && options.body === undefined) return sendStreaming(url, options.consumeBody, headers, isHttps, options.verifyTls);
  if (Buffer.isBuffer(options.body)) headers['content-length'] = String(options.body.length);
  return new Promise((resolve, reject) => {
    const request = (isHttps ? https : http).request(url, {
      method: options.method ?? 'GET',
      headers,
      agent: isHttps ? (options.verifyTls === false ? httpsAgentNoVerify : httpsAgent()) : httpAgent,
    });
    request.setTimeout(IDLE_TIMEOUT_MS, () => request.destroy(Object.assign(new Error(`no answer from ${url.host} in ${IDLE_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })));
    request.on('error', reject);
    request.on('response', (body) => resolve({ status: body.statusCode ?? 0, headers: body.headers, body, url }));
    if (options.body === undefined) request.end();
    else if (Buffer.isBuffer(options.body)) request.end(options.body);
    else {
      const source = options.body();
      source.on('error', (e) => request.destroy(e));
      source.pipe(request);
    }
  });
}

async function sendStreaming(url: URL, consumerFor: NonNullable<RequestOptions['consumeBody']>, headers: Record<string, string>, isHttps: boolean, verifyTls = true): Promise<HttpResponse> {
  if (url.protocol !== 'http:' && !isHttps) throw new RegistryError(`cannot fetch ${url.href}: only http and https are supported`);
  const tlsOptions = isHttps ? (verifyTls ? verifyingTls() : { rejectUnauthorized: false }) : undefined;
  const result = await streamingGet(url, { headers, tls: tlsOptions, idleTimeoutMs: IDLE_TIMEOUT_MS, consumerFor, keepLimit: REFUSED_BODY_LIMIT });
  const body = Object.assign(Readable.from(result.kept.length ? [result.kept] : []), { complete: result.complete, cutShort: result.cutShort });
  return { status: result.status, headers: result.headers, body, url };
}

export function isRetryableError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return typeof code === 'string' && RETRYABLE_ERRORS.has(code);
}

/** Reads a whole body, refusing more than `limit` bytes (the connection is dropped, not drained). */
export async function readBody(response: HttpResponse, limit: number, what: string): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    response.body.destroy();
    throw new RegistryError(`${what} is ${declared} bytes, more than the ${limit} allowed`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      response.body.destroy();
      throw new RegistryError(`${what} is more than the ${limit} bytes allowed`);
    }
    chunks.push(chunk);
  }
  if (!response.body.complete) throw Object.assign(new Error(`${what}: the connection closed before the body was complete`), { code: 'ECONNRESET' });
  return Buffer.concat(chunks);
}

export function discard(response: HttpResponse): void {
  response.body.resume();
}

/** Sends a request, following redirects and retrying what is safe to retry. */
export async function send(url: URL, options: RequestOptions = {}): Promise<HttpResponse> {
  const method = options.method ?? 'GET';
  const retryable = method === 'GET' || method === 'HEAD' || Buffer.isBuffer(options.body) || options.body === undefined;
  const maxRetries = retryable ? (options.maxRetries ?? 3) : 0;
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await followRedirects(url, options);
      if (RETRYABLE_STATUS.has(response.status) && attempt < maxRetries) {
        discard(response);
        const retryAfter = Number(response.headers['retry-after']);
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 10) * 1000 : BACKOFF_MS * 2 ** attempt);
        continue;
      }
      return response;
    } catch (error) {
      if (attempt < maxRetries && isRetryableError(error)) {
        await sleep(BACKOFF_MS * 2 ** attempt);
        continue;
      }
      throw error;
    }
  }
}

async function followRedirects(start: URL, options: RequestOptions): Promise<HttpResponse> {
  let url = start;
  let current = options;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    // Credentials belong to the origin they were issued for; a redirect elsewhere goes without them.
    const authorization = url.host === start.host && url.protocol === start.protocol ? options.authorization : undefined;
    const response = await sendOnce(url, current, authorization);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.status) || !location) return response;
    discard(response);
    url = new URL(location, url);
    if (response.status === 303) current = { ...current, method: 'GET', body: undefined };
  }
  throw new RegistryError(`more than ${MAX_REDIRECTS} redirects from ${start.href}`);
}
