/**
 * Registry credentials in docker's config.json format ({"auths": {"host": {"auth": base64(user:pass)}}}),
 * read from, in order: --authfile or $REGISTRY_AUTH_FILE (podman/skopeo's convention), tsimg's own file
 * ($XDG_CONFIG_HOME/tsimg/auth.json) and docker's ($DOCKER_CONFIG/config.json or ~/.docker/config.json).
 * `tsimg login` writes the first of the explicit file and tsimg's own. A file may name credential helpers as
 * docker's does (`credHelpers` per registry, else `credsStore` for all): then the helper holds the secret
 * (credential-helper.ts), for reading and for login/logout alike.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../store/atomic-file.ts';
import { helperGet } from './credential-helper.ts';

export interface Credentials {
  username: string;
  password: string;
  /** An OAuth2 refresh token (docker's "identity token"): used instead of username and password. */
  identityToken?: string;
}

interface AuthFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [key: string]: unknown;
}

export function tsimgAuthFile(): string {
  const config = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(config, 'tsimg', 'auth.json');
}

function dockerConfigFile(): string {
  return join(process.env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

/** The file `login`/`logout` change. */
export function writableAuthFile(explicit?: string): string {
  return explicit || process.env.REGISTRY_AUTH_FILE || tsimgAuthFile();
}

export function authFilesToRead(explicit?: string): string[] {
  const files = [explicit || process.env.REGISTRY_AUTH_FILE, tsimgAuthFile(), dockerConfigFile()];
  return files.filter((f): f is string => Boolean(f));
}

function readAuthFile(path: string): AuthFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  try {
    return JSON.parse(text) as AuthFile;
  } catch {
    throw new Error(`credentials file ${path} is not valid JSON; fix or remove it`);
  }
}

/** Keys under which a registry may be recorded: docker writes Docker Hub as its v1 URL. */
function keysFor(registry: string): string[] {
  if (registry === 'docker.io') return ['docker.io', 'index.docker.io', 'https://index.docker.io/v1/', 'registry-1.docker.io'];
  return [registry, `https://${registry}`, `http://${registry}`];
}

/** The helper a file names for a registry: its `credHelpers` entry, else its `credsStore` (docker's order). */
function helperIn(content: AuthFile, registry: string): string | undefined {
  for (const key of keysFor(registry)) {
    const named = content.credHelpers?.[key];
    if (named) return named;
  }
  return content.credsStore || undefined;
}

/** The first file (in reading order) that names a helper for the registry, and that helper. */
export function configuredHelper(registry: string, explicitFile?: string): { file: string; helper: string } | undefined {
  for (const file of authFilesToRead(explicitFile)) {
    const helper = helperIn(readAuthFile(file), registry);
    if (helper) return { file, helper };
  }
  return undefined;
}

export function findCredentials(registry: string, explicitFile?: string): Credentials | undefined {
  for (const file of authFilesToRead(explicitFile)) {
    const content = readAuthFile(file);
    // A helper named for the registry owns its credentials; "not found" there means look further, then anonymous.
    const helper = helperIn(content, registry);
    if (helper) {
      const found = helperGet(helper, registry);
      if (found) return found;
      continue;
    }
    const auths = content.auths ?? {};
    for (const key of keysFor(registry)) {
      const entry = auths[key];
      if (!entry) continue;
      if (entry.identitytoken) return { username: entry.username ?? '', password: '', identityToken: entry.identitytoken };
      if (entry.username && entry.password) return { username: entry.username, password: entry.password };
      if (entry.auth) {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
      }
    }
  }
  return undefined;
}

export function saveCredentials(registry: string, credentials: Credentials, explicitFile?: string): string {
  const file = writableAuthFile(explicitFile);
  const content = readAuthFile(file);
  content.auths = { ...content.auths, [registry]: { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') } };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, JSON.stringify(content, null, 2) + '\n', 0o600);
  return file;
}

/** Removes the registry from the writable file; returns false when it was not there. */
export function removeCredentials(registry: string, explicitFile?: string): boolean {
  const file = writableAuthFile(explicitFile);
  const content = readAuthFile(file);
  const auths = { ...content.auths };
  const present = keysFor(registry).filter((k) => k in auths);
  if (present.length === 0) return false;
  for (const k of present) delete auths[k];
  content.auths = auths;
  writeFileAtomic(file, JSON.stringify(content, null, 2) + '\n', 0o600);
  return true;
}
