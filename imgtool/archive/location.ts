/**
 * Where copy, import and export read or write an image, written as skopeo writes transports:
 * oci:DIR[:NAME], oci-archive:FILE[:NAME], docker-archive:FILE[:NAME], docker://REFERENCE, and for the
 * store itself a bare name (or store:NAME). Paths cannot contain ':' (the separator, as in skopeo).
 */
import { type ImageReference, parseReference } from '../reference/parse.ts';

export type Location =
  | { kind: 'store'; name: string }
  | { kind: 'oci' | 'oci-archive' | 'docker-archive'; path: string; name?: string }
  | { kind: 'docker'; reference: ImageReference };

export function parseLocation(text: string): Location {
  if (text.startsWith('docker://')) return { kind: 'docker', reference: parseReference(text.slice('docker://'.length)) };
  const colon = text.indexOf(':');
  const transport = colon > 0 ? text.slice(0, colon) : '';
  if (transport === 'oci' || transport === 'oci-archive' || transport === 'docker-archive') {
    const rest = text.slice(colon + 1);
    const split = rest.indexOf(':');
    const path = split >= 0 ? rest.slice(0, split) : rest;
    const name = split >= 0 ? rest.slice(split + 1) : undefined;
    if (!path) throw new Error(`"${text}": ${transport}: needs a path`);
    return { kind: transport, path, ...(name ? { name } : {}) };
  }
  if (transport === 'store') return { kind: 'store', name: text.slice(colon + 1) };
  if (transport === 'docker' || transport === 'dir' || transport === 'containers-storage') {
    throw new Error(`"${text}": transport ${transport}: is not supported (use docker://, oci:, oci-archive:, docker-archive: or a store name)`);
  }
  return { kind: 'store', name: text };
}
