/**
 * Finds what a user means by a local image name: the name as stored, the same name normalized
 * (busybox -> docker.io/library/busybox:latest), or a digest / unique hex prefix of an index.json entry.
 */
import { formatReference, parseReference } from '../reference/parse.ts';
import { type Descriptor, type OciStore, REF_NAME_ANNOTATION } from './layout.ts';

export interface ResolvedImage {
  name: string | undefined;
  descriptor: Descriptor;
}

export function normalizeName(input: string): string {
  try {
    return formatReference(parseReference(input));
  } catch {
    return input;
  }
}

export function resolveImage(store: OciStore, input: string): ResolvedImage {
  const entries = store.readIndex().manifests;
  const nameOf = (d: Descriptor) => d.annotations?.[REF_NAME_ANNOTATION];
  for (const candidate of [input, normalizeName(input)]) {
    const hit = entries.find((d) => nameOf(d) === candidate);
    if (hit) return { name: candidate, descriptor: hit };
  }
  const hex = input.replace(/^sha256:/, '');
  if (/^[a-f0-9]{6,64}$/.test(hex)) {
    const hits = [...new Map(entries.filter((d) => d.digest.startsWith(`sha256:${hex}`)).map((d) => [d.digest, d])).values()];
    if (hits.length === 1) return { name: nameOf(hits[0]!), descriptor: hits[0]! };
    if (hits.length > 1) throw new Error(`"${input}" matches ${hits.length} images in ${store.root}; give more of the digest`);
  }
  throw new Error(`no image "${input}" in the store ${store.root} (tsimg images lists what is there)`);
}
