/**
 * Asks a token server (the realm of a Bearer challenge) for a registry token, as containerd's
 * remotes/docker authorizer does: with a password or a refresh token, the OAuth2 POST first (form with
 * grant_type password or refresh_token, service, scope, client_id, access_type=offline so the server may
 * hand back a refresh token); when the server answers that POST with 404, 401, 400, or 405 to a password
 * grant (servers without OAuth2), the Docker token GET (service and scope as query, the password as Basic).
 * Without credentials only the anonymous GET.
 */
import type { Credentials } from './credentials.ts';
import { RegistryError, describeErrorBody } from './errors.ts';
import { type HttpResponse, readBody, send } from './transport.ts';

const TOKEN_RESPONSE_LIMIT = 1024 * 1024;
const DEFAULT_TOKEN_LIFETIME_S = 60;
const CLIENT_ID = 'tsimg';

export interface TokenRequest {
  registry: string;
  realm: URL;
  service?: string;
  scopes: string[];
  credentials?: Credentials;
  /** A refresh token (kept from an earlier answer, or the credentials' identity token): preferred to a password. */
  refreshToken?: string;
  verifyTls: boolean;
}

export interface TokenAnswer {
  token: string;
  /** When the server says the token stops working (issued_at + expires_in, ms since the epoch). */
  expiresAt: number;
  lifetimeMs: number;
  refreshToken?: string;
}

function fallsBackToGet(status: number, passwordGrant: boolean): boolean {
  return status === 404 || status === 401 || status === 400 || (status === 405 && passwordGrant);
}

async function postForm(request: TokenRequest, refreshToken: string | undefined): Promise<HttpResponse> {
  const form = new URLSearchParams({ client_id: CLIENT_ID, access_type: 'offline' });
  if (refreshToken) {
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', refreshToken);
  } else {
    form.set('grant_type', 'password');
    form.set('username', request.credentials!.username);
    form.set('password', request.credentials!.password);
  }
  if (request.service) form.set('service', request.service);
  if (request.scopes.length) form.set('scope', request.scopes.join(' '));
  return send(request.realm, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: Buffer.from(form.toString()), verifyTls: request.verifyTls });
}

function getToken(request: TokenRequest): Promise<HttpResponse> {
  const url = new URL(request.realm);
  if (request.service) url.searchParams.set('service', request.service);
  for (const scope of request.scopes) url.searchParams.append('scope', scope);
  const password = request.credentials?.password;
  if (password) {
    url.searchParams.set('offline_token', 'true');
    url.searchParams.set('client_id', CLIENT_ID);
  }
  const authorization = password ? `Basic ${Buffer.from(`${request.credentials!.username}:${password}`).toString('base64')}` : undefined;
  return send(url, { verifyTls: request.verifyTls, authorization });
}

export async function requestToken(request: TokenRequest): Promise<TokenAnswer> {
  const { registry, realm, credentials } = request;
  const refreshToken = request.refreshToken ?? credentials?.identityToken;
  const passwordGrant = !refreshToken && Boolean(credentials?.password);
  let response: HttpResponse | undefined;
  if (refreshToken || passwordGrant) {
    response = await postForm(request, refreshToken);
    if (fallsBackToGet(response.status, passwordGrant)) {
      response.body.resume();
      response = undefined;
    }
  }
  response ??= await getToken(request);
  const body = await readBody(response, TOKEN_RESPONSE_LIMIT, `token from ${realm.host}`);
  const who = credentials?.password ? `the credentials of "${credentials.username}"` : refreshToken ? 'the identity (refresh) token' : 'anonymous access';
  if (response.status === 401 || response.status === 403) {
    throw new RegistryError(`registry ${registry}: the token server ${realm.host} refused ${who} (HTTP ${response.status})`, response.status);
  }
  if (response.status !== 200) {
    throw new RegistryError(`registry ${registry}: token server ${realm.host} answered HTTP ${response.status} (${describeErrorBody(body.toString())})`, response.status);
  }
  let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown; refresh_token?: unknown };
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegistryError(`registry ${registry}: token server ${realm.host} answered with something that is not JSON`);
  }
  const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : typeof parsed.access_token === 'string' ? parsed.access_token : '';
  if (!token) throw new RegistryError(`registry ${registry}: token server ${realm.host} returned no token`);
  const lifetimeMs = (typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_LIFETIME_S) * 1000;
  const issued = typeof parsed.issued_at === 'string' ? Date.parse(parsed.issued_at) : NaN;
  // A server clock ahead of ours must not stretch the lifetime: never count from later than now.
  const expiresAt = (Number.isFinite(issued) ? Math.min(issued, Date.now()) : Date.now()) + lifetimeMs;
  const kept = typeof parsed.refresh_token === 'string' && parsed.refresh_token ? parsed.refresh_token : undefined;
  return { token, expiresAt, lifetimeMs, ...(kept ? { refreshToken: kept } : {}) };
}
