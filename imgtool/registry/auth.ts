/**
 * Authentication for one registry, learned from its 401 challenges: Basic sends the stored credentials;
 * Bearer gets a token from the realm for the request's scopes (GET with service and scope, anonymous or
 * with Basic; with credentials, first the OAuth2 password-grant POST as containerd does, falling back to GET
 * where a token server has no POST). Tokens are cached per scope set until shortly before they expire.
 */
import { type Credentials } from './credentials.ts';
import { RegistryError, describeErrorBody } from './errors.ts';
import { readBody, send } from './transport.ts';
import { type Challenge, parseWwwAuthenticate } from './www-authenticate.ts';

const TOKEN_RESPONSE_LIMIT = 1024 * 1024;
const DEFAULT_TOKEN_LIFETIME_S = 60;
const EXPIRY_MARGIN_MS = 10_000;

interface CachedToken {
  token: string;
  expiresAt: number;
}

export class RegistryAuth {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, CachedToken>();

  constructor(
    private readonly registry: string,
    private readonly credentials: Credentials | undefined,
    private readonly verifyTls: boolean,
  ) {}

  /** Authorization to send with a request for these scopes, if the registry has asked for any. */
  async authorization(scopes: string[]): Promise<string | undefined> {
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === 'basic') return this.basic();
    if (this.challenge.scheme !== 'bearer') return undefined;
    const key = [...scopes].sort().join(' ');
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return `Bearer ${cached.token}`;
    const fresh = await this.fetchToken(this.challenge, scopes);
    this.tokens.set(key, fresh);
    return `Bearer ${fresh.token}`;
  }

  /**
   * Records a 401's challenge. Returns true when sending again can help: the request went without the
   * authorization we would now send (requests in flight when the first challenge arrived), or with a token
   * the registry no longer accepts. False when these very credentials were refused.
   */
  onUnauthorized(wwwAuthenticate: string | undefined, scopes: string[], sent: string | undefined): boolean {
    const challenges = parseWwwAuthenticate(wwwAuthenticate ?? '');
    const chosen = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
    if (!chosen) return false;
    this.challenge = chosen;
    if (chosen.scheme === 'basic') {
      if (!this.credentials) throw new RegistryError(`registry ${this.registry} requires a login (HTTP 401); run: tsimg login ${this.registry}`, 401);
      return sent !== this.basic();
    }
    if (sent === undefined || !sent.startsWith('Bearer ')) return true;
    const key = [...scopes].sort().join(' ');
    if (this.tokens.get(key)?.token === sent.slice(7)) this.tokens.delete(key);
    return true;
  }

  private basic(): string {
    if (!this.credentials) throw new RegistryError(`registry ${this.registry} requires a login; run: tsimg login ${this.registry}`, 401);
    return `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`;
  }

  private async fetchToken(challenge: Challenge, scopes: string[]): Promise<CachedToken> {
    const realm = challenge.params.realm;
    if (!realm) throw new RegistryError(`registry ${this.registry} asked for a Bearer token but named no realm`);
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch {
      throw new RegistryError(`registry ${this.registry} named an invalid token realm "${realm}"`);
    }
    const service = challenge.params.service;
    // The challenge's own scope covers what the registry wanted; ours adds push or a mount source.
    const allScopes = [...new Set([...scopes, ...(challenge.params.scope ? challenge.params.scope.split(' ') : [])])];
    let response;
    if (this.credentials) {
      const form = new URLSearchParams({ grant_type: 'password', username: this.credentials.username, password: this.credentials.password, client_id: 'tsimg' });
      if (service) form.set('service', service);
      if (allScopes.length) form.set('scope', allScopes.join(' '));
      response = await send(realmUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()), verifyTls: this.verifyTls });
      if (response.status === 404 || response.status === 405 || response.status === 400) {
        response.body.resume();
        response = undefined;
      }
    }
    if (!response) {
      const url = new URL(realmUrl);
      if (service) url.searchParams.set('service', service);
      for (const scope of allScopes) url.searchParams.append('scope', scope);
      response = await send(url, { verifyTls: this.verifyTls, authorization: this.credentials ? this.basic() : undefined });
    }
    const body = await readBody(response, TOKEN_RESPONSE_LIMIT, `token from ${realmUrl.host}`);
    if (response.status === 401 || response.status === 403) {
      throw new RegistryError(`registry ${this.registry}: the token server ${realmUrl.host} refused ${this.credentials ? `the credentials of "${this.credentials.username}"` : 'anonymous access'} (HTTP ${response.status})`, response.status);
    }
    if (response.status !== 200) {
      throw new RegistryError(`registry ${this.registry}: token server ${realmUrl.host} answered HTTP ${response.status} (${describeErrorBody(body.toString())})`, response.status);
    }
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new RegistryError(`registry ${this.registry}: token server ${realmUrl.host} answered with something that is not JSON`);
    }
    const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : typeof parsed.access_token === 'string' ? parsed.access_token : '';
    if (!token) throw new RegistryError(`registry ${this.registry}: token server ${realmUrl.host} returned no token`);
    const lifetime = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_LIFETIME_S;
    const issued = typeof parsed.issued_at === 'string' ? Date.parse(parsed.issued_at) : NaN;
    return { token, expiresAt: (Number.isFinite(issued) ? Math.min(issued, Date.now()) : Date.now()) + lifetime * 1000 };
  }
}
