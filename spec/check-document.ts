/**
 * Runs a validator compiled by scripts/build-validators.ts and turns its first, most specific error into a
 * SpecValidationError naming the source and the JSON path (`linux.namespaces[2].type: must be one of ...`).
 * Shared by the runtime-spec validators (validate.ts) and the image-spec ones (validate-image.ts).
 */
import type { ErrorObject } from 'ajv';
import { SpecValidationError } from './errors.ts';

/** The shape of every generated validator (validators.d.ts and image-validators.d.ts declare the same). */
export interface StandaloneValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** `patternWords` words a pattern error (`must be a digest ...`) instead of printing the regular expression. */
export function check<T>(validator: StandaloneValidator, doc: unknown, source: string, patternWords: Readonly<Record<string, string>> = {}): T {
  if (validator(doc)) return doc as T;
  const err = pickError(validator.errors ?? []);
  if (!err) throw new SpecValidationError(source, '(root)', 'is invalid');
  const { path, detail } = describe(err, doc, patternWords);
  throw new SpecValidationError(source, path, detail);
}

const COMBINATORS = new Set(['anyOf', 'oneOf', 'allOf', 'not', 'if', 'then', 'else']);

function depth(err: ErrorObject): number {
  const segments = err.instancePath === '' ? 0 : err.instancePath.split('/').length - 1;
  return segments + (err.keyword === 'required' ? 1 : 0);
}

/** The most specific error: non-combinator first, then deepest path, then first reported. */
function pickError(errors: readonly ErrorObject[]): ErrorObject | undefined {
  let best: ErrorObject | undefined;
  for (const e of errors) {
    if (!best) {
      best = e;
      continue;
    }
    const eComb = COMBINATORS.has(e.keyword);
    const bComb = COMBINATORS.has(best.keyword);
    if (eComb !== bComb) {
      if (bComb) best = e;
      continue;
    }
    if (depth(e) > depth(best)) best = e;
  }
  return best;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * JSON pointer (`/linux/namespaces/2/type`) -> JS path (`linux.namespaces[2].type`).
 * Walks the document alongside so array indices and numeric object keys are
 * told apart.
 */
function formatPath(pointer: string, doc: unknown, extra?: string): string {
  const segments =
    pointer === ''
      ? []
      : pointer
          .slice(1)
          .split('/')
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  let out = '';
  let node: unknown = doc;
  for (const seg of segments) {
    if (Array.isArray(node) && /^\d+$/.test(seg)) {
      out += `[${seg}]`;
      node = node[Number(seg)];
      continue;
    }
    out += IDENT.test(seg) ? (out === '' ? seg : `.${seg}`) : `[${JSON.stringify(seg)}]`;
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
  }
  return out === '' ? '(root)' : out;
}

function showValue(v: unknown): string {
  if (typeof v === 'string') return v === '' ? '""' : v;
  return JSON.stringify(v);
}

/**
 * Our own wording for Ajv's keywords (the generated code is built with
 * `messages: false` to keep it small, so Ajv's texts are not available).
 */
function describe(err: ErrorObject, doc: unknown, patternWords: Readonly<Record<string, string>>): { path: string; detail: string } {
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'required':
      return { path: formatPath(err.instancePath, doc, String(p.missingProperty)), detail: 'is required' };
    case 'additionalProperties':
      return {
        path: formatPath(err.instancePath, doc, String(p.additionalProperty)),
        detail: 'is not allowed',
      };
    default:
      return { path: formatPath(err.instancePath, doc), detail: detailFor(err.keyword, p, patternWords) };
  }
}

function detailFor(keyword: string, p: Record<string, unknown>, patternWords: Readonly<Record<string, string>>): string {
  switch (keyword) {
    case 'type':
      return `must be ${Array.isArray(p.type) ? p.type.join(' or ') : String(p.type)}`;
    case 'enum': {
      const allowed = Array.isArray(p.allowedValues) ? p.allowedValues : [];
      return `must be one of ${allowed.map(showValue).join(', ')}`;
    }
    case 'const':
      return `must be ${showValue(p.allowedValue)}`;
    case 'pattern': {
      const words = patternWords[String(p.pattern)];
      return words ? `must be ${words}` : `must match pattern ${String(p.pattern)}`;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(p.comparison)} ${String(p.limit)}`;
    case 'minItems':
      return `must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `must have at most ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters long`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long`;
    case 'multipleOf':
      return `must be a multiple of ${String(p.multipleOf)}`;
    case 'uniqueItems':
      return `must not contain duplicates (items ${String(p.j)} and ${String(p.i)} are equal)`;
    case 'anyOf':
    case 'oneOf':
      return `must match ${keyword === 'oneOf' ? 'exactly one' : 'at least one'} of the allowed forms`;
    default:
      return `fails "${keyword}" ${JSON.stringify(p)}`;
  }
}
