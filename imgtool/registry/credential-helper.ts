/**
 * Docker credential helpers (docker-credential-<name>, the protocol of docker/docker-credential-helpers):
 * `get` reads the server URL on stdin and prints {"ServerURL","Username","Secret"}; `store` reads that
 * object; `erase` reads the server URL. A helper that has nothing prints "credentials not found" and fails,
 * which means anonymous access, not an error. A Username of "<token>" marks Secret as an identity (OAuth2
 * refresh) token rather than a password.
 */
import { spawnSync } from 'node:child_process';
import type { Credentials } from './credentials.ts';

const IDENTITY_TOKEN_USERNAME = '<token>';
const NOT_FOUND = /credentials not found/i;

/** The server URL docker hands its helpers: Docker Hub under its v1 URL, every other registry by host. */
export function helperServerUrl(registry: string): string {
  return registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
}

function runHelper(helper: string, action: 'get' | 'store' | 'erase', input: string): { ok: boolean; stdout: string; message: string } {
  const program = `docker-credential-${helper}`;
  const result = spawnSync(program, [action], { input, encoding: 'utf8', timeout: 60_000 });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? `credential helper ${program} is configured but not found on PATH` : `credential helper ${program} ${action}: ${result.error.message}`);
  }
  const message = (result.stdout.trim() || result.stderr.trim()).split('\n')[0] ?? '';
  return { ok: result.status === 0, stdout: result.stdout, message };
}

export function helperGet(helper: string, registry: string): Credentials | undefined {
  const { ok, stdout, message } = runHelper(helper, 'get', helperServerUrl(registry));
  if (!ok) {
    if (NOT_FOUND.test(message)) return undefined;
    throw new Error(`credential helper docker-credential-${helper} get ${registry} failed: ${message}`);
  }
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(stdout) as typeof answer;
  } catch {
    throw new Error(`credential helper docker-credential-${helper} get ${registry} printed something that is not JSON`);
  }
  if (typeof answer.Secret !== 'string' || answer.Secret === '') return undefined;
  const username = typeof answer.Username === 'string' ? answer.Username : '';
  if (username === IDENTITY_TOKEN_USERNAME) return { username: '', password: '', identityToken: answer.Secret };
  return { username, password: answer.Secret };
}

export function helperStore(helper: string, registry: string, credentials: Credentials): void {
  const body = credentials.identityToken
    ? { ServerURL: helperServerUrl(registry), Username: IDENTITY_TOKEN_USERNAME, Secret: credentials.identityToken }
    : { ServerURL: helperServerUrl(registry), Username: credentials.username, Secret: credentials.password };
  const { ok, message } = runHelper(helper, 'store', JSON.stringify(body));
  if (!ok) throw new Error(`credential helper docker-credential-${helper} store ${registry} failed: ${message}`);
}

/** Returns false when the helper had nothing for the registry. */
export function helperErase(helper: string, registry: string): boolean {
  const { ok, message } = runHelper(helper, 'erase', helperServerUrl(registry));
  if (ok) return true;
  if (NOT_FOUND.test(message)) return false;
  throw new Error(`credential helper docker-credential-${helper} erase ${registry} failed: ${message}`);
}
