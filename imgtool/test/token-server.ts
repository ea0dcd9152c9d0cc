/**
 * The project's own token server for docker-registry's `auth: token` mode (the Docker token protocol):
 * GET /token?service=&scope= with optional Basic credentials, or the OAuth2 POST (grant_type password or
 * refresh_token; with access_type=offline a password grant also returns a refresh token, as does a GET with
 * offline_token=true). Tests may make it answer every POST with a fixed status (a server without OAuth2). It grants
 * the requested pull/push actions to the one known user and nothing to anyone else, in an RS256 JWT whose
 * `kid` is the libtrust key id of the certificate the registry trusts (its rootcertbundle).
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign } from 'node:crypto';
import { type Server, createServer } from 'node:http';

export interface TokenServerOptions {
  port: number;
  privateKeyPem: string;
  issuer: string;
  service: string;
  username: string;
  password: string;
  /** Token lifetime in seconds (short ones make the client refresh). */
  lifetime?: number;
}

/** What tests may change while the server runs. */
export interface TokenServerBehaviour {
  lifetime: number;
  /** Answer every POST with this status and no token (404/405: a token server without OAuth2). */
  postStatus?: number;
}

const base64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** libtrust's key id: base32 of the first 240 bits of sha256(DER SubjectPublicKeyInfo), in groups of 4. */
export function libtrustKeyId(privateKeyPem: string): string {
  const der = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'der' });
  const bytes = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(':');
}

function grantedAccess(scopes: string[]) {
  return scopes.flatMap((scope) => {
    const [type, name, actions] = scope.split(':');
    if (type !== 'repository' || !name || !actions) return [];
    return [{ type, name, actions: actions.split(',').filter((a) => a === 'pull' || a === 'push') }];
  });
}

export interface TokenServer {
  server: Server;
  /** Every token request seen, for tests that check how the client asked. */
  requests: { method: string; scopes: string[]; authenticated: boolean; grantType?: string; clientId?: string }[];
  behaviour: TokenServerBehaviour;
  /** Refresh tokens the server accepts (issued by it, or registered by a test as a user's identity token). */
  refreshTokens: Set<string>;
}

export function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const kid = libtrustKeyId(options.privateKeyPem);
  const key = createPrivateKey(options.privateKeyPem);
  const requests: TokenServer['requests'] = [];
  const behaviour: TokenServerBehaviour = { lifetime: options.lifetime ?? 300 };
  const refreshTokens = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      let user: string | undefined;
      let pass: string | undefined;
      let scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      if (basic) [user, pass] = Buffer.from(basic[1]!, 'base64').toString().split(':') as [string, string];
      let grantType: string | undefined;
      let clientId = url.searchParams.get('client_id') ?? undefined;
      let offline = url.searchParams.get('offline_token') === 'true';
      let refreshOk = false;
      if (req.method === 'POST') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        grantType = form.get('grant_type') ?? undefined;
        clientId = form.get('client_id') ?? undefined;
        offline = form.get('access_type') === 'offline';
        scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        user = undefined;
        pass = undefined;
        if (grantType === 'password') {
          user = form.get('username') ?? '';
          pass = form.get('password') ?? '';
        } else if (grantType === 'refresh_token') {
          refreshOk = refreshTokens.has(form.get('refresh_token') ?? '');
          user = refreshOk ? options.username : '';
        }
      }
      const presented = user !== undefined;
      const authenticated = refreshOk || (user === options.username && pass === options.password);
      requests.push({ method: req.method ?? '', scopes, authenticated, grantType, clientId });
      if (req.method === 'POST' && behaviour.postStatus) {
        res.writeHead(behaviour.postStatus, { 'content-type': 'text/plain' }).end('no OAuth2 here');
        return;
      }
      if (presented && !authenticated) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      const lifetime = behaviour.lifetime;
      const header = { alg: 'RS256', typ: 'JWT', kid };
      const claims = { iss: options.issuer, sub: user ?? '', aud: options.service, exp: now + lifetime, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access: authenticated ? grantedAccess(scopes) : [] };
      const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
      const token = `${input}.${base64url(sign('sha256', Buffer.from(input), key))}`;
      // POST answers in OAuth2's field name, GET in Docker's: the client must read both.
      const body: Record<string, unknown> = req.method === 'POST' ? { access_token: token, expires_in: lifetime } : { token, expires_in: lifetime, issued_at: new Date(now * 1000).toISOString() };
      if (authenticated && offline && grantType !== 'refresh_token') {
        const refresh = randomBytes(16).toString('hex');
        refreshTokens.add(refresh);
        body.refresh_token = refresh;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  return new Promise((resolve) => server.listen(options.port, '127.0.0.1', () => resolve({ server, requests, behaviour, refreshTokens })));
}
