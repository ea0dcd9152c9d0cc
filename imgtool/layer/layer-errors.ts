/**
 * Errors met while applying a layer. Each names the layer (its digest) and, when one is at fault,
 * the tar entry, so that a user can tell a hostile or corrupt layer from a local problem.
 */
export class LayerError extends Error {
  constructor(
    readonly layer: string,
    readonly entryName: string | undefined,
    readonly reason: string,
    readonly hint = '',
  ) {
    super(`layer ${layer}${entryName !== undefined ? `, entry ${JSON.stringify(entryName)}` : ''}: ${reason}${hint ? ` (${hint})` : ''}`);
  }
}

/** An entry that would reach outside the directory being written, or write through a symlink. */
export class UnsafeEntryError extends Error {}
