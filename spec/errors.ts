/**
 * A document (config.json, process.json, a state or features document, ...)
 * does not satisfy the runtime-spec. The message is one line:
 *
 *   <source>: <path>: <detail>
 *
 * e.g. `config.json: linux.namespaces[2].type: must be one of pid, network, ...`.
 * `path` is a JS-style path into the document, `(root)` for the document itself.
 */
export class SpecValidationError extends Error {
  override readonly name = 'SpecValidationError';
  readonly source: string;
  readonly path: string;
  readonly detail: string;

  constructor(source: string, path: string, detail: string) {
    super(`${source}: ${path}: ${detail}`);
    this.source = source;
    this.path = path;
    this.detail = detail;
  }
}
