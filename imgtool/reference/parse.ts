/**
 * Image references read the way docker and containerd read them (distribution's reference grammar):
 * `busybox` is docker.io/library/busybox:latest, the first path component is a registry host only when
 * it looks like one (has a dot or a port, or is `localhost`), and a reference may carry a tag, a digest,
 * or both (the digest then decides what is fetched; the tag is kept for naming).
 */

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAIN = 'index.docker.io';
const OFFICIAL_NAMESPACE = 'library';
const MAX_NAME_LENGTH = 255;

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const domainComponent = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const ipv6Host = /^\[[0-9a-fA-F:.]+\]$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

export class InvalidReferenceError extends Error {
  constructor(readonly reference: string, readonly reason: string) {
    super(`invalid image reference "${reference}": ${reason}`);
  }
}

export interface ImageReference {
  /** Registry host as written (docker.io for Docker Hub), with its port if any. */
  readonly domain: string;
  /** Repository path inside the registry, e.g. library/busybox. */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** What a manifest request asks for: the digest when there is one, else the tag. */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** The canonical name: domain/path[:tag][@digest]. Stored as the ref name annotation in the store. */
export function formatReference(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

export function checkDigest(digest: string, where = digest): string {
  if (!digestPattern.test(digest)) throw new InvalidReferenceError(where, `"${digest}" is not a digest (algorithm:hex)`);
  const [algorithm, hex] = digest.split(':') as [string, string];
  if (algorithm === 'sha256' && !/^[a-f0-9]{64}$/.test(hex)) {
    throw new InvalidReferenceError(where, 'a sha256 digest is 64 lowercase hex characters');
  }
  if (algorithm === 'sha512' && !/^[a-f0-9]{128}$/.test(hex)) {
    throw new InvalidReferenceError(where, 'a sha512 digest is 128 lowercase hex characters');
  }
  return digest;
}

function looksLikeDomain(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase();
}

function checkDomain(reference: string, domain: string): void {
  const colon = domain.startsWith('[') ? domain.indexOf(':', domain.indexOf(']')) : domain.lastIndexOf(':');
  const host = colon >= 0 ? domain.slice(0, colon) : domain;
  const port = colon >= 0 ? domain.slice(colon + 1) : undefined;
  if (port !== undefined && !/^[0-9]+$/.test(port)) throw new InvalidReferenceError(reference, `port "${port}" of registry "${domain}" is not a number`);
  if (ipv6Host.test(host)) return;
  for (const label of host.split('.')) {
    if (!domainComponent.test(label)) throw new InvalidReferenceError(reference, `registry host "${host}" is not a valid host name`);
  }
}

/** Parses and normalizes a reference; throws InvalidReferenceError saying what is wrong. */
export function parseReference(input: string): ImageReference {
  const reference = input.trim();
  if (reference === '') throw new InvalidReferenceError(input, 'it is empty');
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = checkDigest(rest.slice(at + 1), reference);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const tagColon = rest.indexOf(':', lastSlash + 1);
  if (tagColon >= 0) {
    tag = rest.slice(tagColon + 1);
    rest = rest.slice(0, tagColon);
    if (!tagPattern.test(tag)) throw new InvalidReferenceError(reference, `tag "${tag}" may hold only letters, digits, _ . - (at most 128, not starting with . or -)`);
  }
  if (rest === '') throw new InvalidReferenceError(reference, 'the repository name is missing');

  const slash = rest.indexOf('/');
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  if (slash >= 0 && looksLikeDomain(rest.slice(0, slash))) {
    domain = rest.slice(0, slash);
    path = rest.slice(slash + 1);
    checkDomain(reference, domain);
  }
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `${OFFICIAL_NAMESPACE}/${path}`;

  for (const component of path.split('/')) {
    if (component === '') throw new InvalidReferenceError(reference, 'the repository path has an empty component');
    if (component !== component.toLowerCase()) throw new InvalidReferenceError(reference, 'the repository name must be lowercase');
    if (!pathComponent.test(component)) {
      throw new InvalidReferenceError(reference, `path component "${component}" may hold only a-z 0-9 and single separators . _ __ -`);
    }
  }
  if (`${domain}/${path}`.length > MAX_NAME_LENGTH) throw new InvalidReferenceError(reference, `the repository name is longer than ${MAX_NAME_LENGTH} characters`);
  if (!tag && !digest) tag = 'latest';
  return { domain, path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}
