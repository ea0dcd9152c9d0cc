import { UnsafeEntryError } from './layer-errors.ts';

/**
 * Turns a tar entry name (or hardlink target) into a clean path relative to the layer's root:
 * `./a//b/` -> `a/b`, the root itself -> ''. Absolute names and any `..` component are refused
 * outright rather than clamped into the root, because no image builder writes them and a layer
 * that does is either broken or hostile.
 */
export function entryPath(name: string, what = 'name'): string {
  if (name.startsWith('/')) throw new UnsafeEntryError(`the ${what} ${JSON.stringify(name)} is absolute`);
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new UnsafeEntryError(`the ${what} ${JSON.stringify(name)} contains '..'`);
    parts.push(part);
  }
  return parts.join('/');
}

export function parentOf(rel: string): string {
  const slash = rel.lastIndexOf('/');
  return slash < 0 ? '' : rel.slice(0, slash);
}

export function baseOf(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}
