/**
 * Authentication for one registry, learned from its 401 challenges: Basic sends the stored credentials;
 * Bearer gets a token from the realm for the request's scopes (token-request.ts: OAuth2 POST with a password
 * or refresh token as containerd does, else the Docker GET). A refresh token the server returns is kept for
 * later tokens. Tokens are cached per scope set and renewed shortly before they expire, so a pull that
 * outlives its token carries on with a new one.
 */
import { type Credentials } from './credentials.ts';
import { RegistryError } from './errors.ts';
import { requestToken } from './token-request.ts';
import { type Challenge, parseWwwAuthenticate } from './www-authenticate.ts';

const EXPIRY_MARGIN_MS = 10_000;

interface CachedToken {
  token: string;
  expiresAt: number;
}

export class RegistryAuth {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private refreshToken: string | undefined;
  private found: { credentials: Credentials | undefined } | undefined;

  /**
   * `lookup` may be a function: it is called once, on the first challenge, so that a credential helper
   * runs only for a registry that asks for credentials.
   */
  constructor(
    private readonly registry: string,
    private readonly lookup: Credentials | undefined | (() => Credentials | undefined),
    private readonly verifyTls: boolean,
  ) {}

  private get credentials(): Credentials | undefined {
    this.found ??= { credentials: typeof this.lookup === 'function' ? this.lookup() : this.lookup };
    return this.found.credentials;
  }

  /** Whether a request went with credentials (an anonymous Bearer token is an authorization too, but not a login). */
  hasCredentials(): boolean {
    return this.credentials !== undefined;
  }

  /** Authorization to send with a request for these scopes, if the registry has asked for any. */
  async authorization(scopes: string[]): Promise<string | undefined> {
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === 'basic') return this.basic();
    if (this.challenge.scheme !== 'bearer') return undefined;
    const key = [...scopes].sort().join(' ');
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
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
      if (!this.credentials?.password) throw new RegistryError(`registry ${this.registry} requires a login (HTTP 401); run: tsimg login ${this.registry}`, 401);
      return sent !== this.basic();
    }
    if (sent === undefined || !sent.startsWith('Bearer ')) return true;
    const key = [...scopes].sort().join(' ');
    if (this.tokens.get(key)?.token === sent.slice(7)) this.tokens.delete(key);
    return true;
  }

  private basic(): string {
    if (!this.credentials?.password) throw new RegistryError(`registry ${this.registry} requires a login; run: tsimg login ${this.registry}`, 401);
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
    // The challenge's own scope covers what the registry wanted; ours adds push or a mount source.
    const allScopes = [...new Set([...scopes, ...(challenge.params.scope ? challenge.params.scope.split(' ') : [])])];
    const answer = await requestToken({
      registry: this.registry,
      realm: realmUrl,
      service: challenge.params.service,
      scopes: allScopes,
      credentials: this.credentials,
      refreshToken: this.refreshToken,
      verifyTls: this.verifyTls,
    });
    // Kept for every later token of this client (other scopes, and renewals during a long pull).
    if (answer.refreshToken) this.refreshToken = answer.refreshToken;
    // Renewed a little early (a tenth of its lifetime, at most 10 s), so a request never leaves with a token
    // that expires on the way.
    return { token: answer.token, expiresAt: answer.expiresAt - Math.min(EXPIRY_MARGIN_MS, answer.lifetimeMs / 10) };
  }
}
