// Compiles the spec/ JSON Schemas with Ajv once, at build time, into a
// standalone ES module: spec/generated/validators.js (+ validators.d.ts).
// The CLI imports that module and never compiles a schema at run time.
//
//   npx tsx scripts/build-validators.ts

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
// CommonJS module: under NodeNext the default import is module.exports, whose
// `.default` is the function (ajv sets both).
import standalone from 'ajv/dist/standalone/index.js';

import * as configModule from '../spec/schema/config.schema.ts';
import * as defsModule from '../spec/schema/defs.ts';
import * as featuresModule from '../spec/schema/features.schema.ts';
import * as hooksModule from '../spec/schema/hooks.schema.ts';
import * as linuxModule from '../spec/schema/linux.schema.ts';
import * as mountsModule from '../spec/schema/mounts.schema.ts';
import * as processModule from '../spec/schema/process.schema.ts';
import * as stateModule from '../spec/schema/state.schema.ts';

const { configSchema } = configModule;
const { featuresSchema } = featuresModule;
const { linuxResourcesSchema } = linuxModule;
const { processSchema } = processModule;
const { stateSchema } = stateModule;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'spec', 'generated');

/** Exported validator name -> schema. */
const validators = {
  validateConfig: configSchema,
  validateProcess: processSchema,
  validateLinuxResources: linuxResourcesSchema,
  validateState: stateSchema,
  validateFeatures: featuresSchema,
} as const;

// ---- de-duplication -----------------------------------------------------
//
// The TS schemas compose sub-schemas by inlining the same constant object in
// several places (hooks x6, IDMapping x4, process inside config and on its
// own, ...). Compiled as-is, Ajv would generate code for every occurrence.
// Here, any named, exported sub-schema object that occurs more than once
// (by identity) across the validators is compiled once, under its export
// name, and the occurrences are replaced by a JSON `$ref` to it. Error
// instance paths are unaffected.

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Only worth a function of its own if it validates a structure. */
const isStructural = (v: Json): boolean =>
  isObject(v) && ('properties' in v || 'patternProperties' in v || 'items' in v);

const names = new Map<object, string>();
for (const mod of [
  defsModule,
  processModule,
  mountsModule,
  hooksModule,
  linuxModule,
  configModule,
  stateModule,
  featuresModule,
]) {
  for (const [name, value] of Object.entries(mod)) {
    if (isStructural(value) && !names.has(value as object)) names.set(value as object, name);
  }
}

const uses = new Map<object, number>();
function count(node: Json): void {
  if (Array.isArray(node)) return node.forEach(count);
  if (!isObject(node)) return;
  uses.set(node, (uses.get(node) ?? 0) + 1);
  if ((uses.get(node) ?? 0) > 1) return; // children already counted
  for (const v of Object.values(node)) count(v);
}
for (const schema of Object.values(validators)) count(schema);

const shared = new Map<object, string>();
for (const [obj, n] of uses) {
  const name = names.get(obj);
  if (name && n > 1) shared.set(obj, name);
}
// Top-level validators can be referenced too (process inside config).
for (const [name, schema] of Object.entries(validators)) shared.set(schema, name);
// Big sections get a function of their own even when used once: V8 compiles
// functions lazily, so a config without (say) seccomp never pays for
// compiling the seccomp checks, and the first validation is cheaper.
for (const schema of [
  linuxModule.linuxSchema,
  linuxModule.seccompSchema,
  hooksModule.hooksSchema,
  mountsModule.mountsSchema,
  configModule.vmSchema,
]) {
  const name = names.get(schema);
  if (name) shared.set(schema, name);
}

function withRefs(node: Json, top: boolean): Json {
  if (Array.isArray(node)) return node.map((v) => withRefs(v, false));
  if (!isObject(node)) return node;
  const ref = shared.get(node);
  if (ref && !top) return { $ref: ref };
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, withRefs(v, false)]));
}

const ajv = new Ajv({
  code: { source: true, esm: true, lines: false },
  strict: false,
  allErrors: false,
  inlineRefs: false,
  // spec/validate.ts words the errors itself; leaving Ajv's message strings
  // out keeps the generated module smaller.
  messages: false,
});

const exportsByName: Record<string, string> = {};
for (const [obj, name] of shared) ajv.addSchema(withRefs(obj, true) as object, name);
for (const name of Object.keys(validators)) exportsByName[name] = name;
const refs = exportsByName;

let code = standalone.default(ajv, refs);

// Ajv's ESM standalone output still pulls runtime helpers in with CommonJS
// `require("ajv/dist/runtime/<name>").default`. We replace the ones our
// schemas need with small local implementations, so the generated module is
// self-contained (no runtime dependency on ajv) and loads under plain node,
// tsx and esbuild alike. An unknown helper fails the build.
const helpers: Record<string, string> = {
  // Length in Unicode code points (what minLength/maxLength count).
  ucs2length: 'function __ucs2length(s){let n=0;for(const _ of s)n++;return n;}',
};
const usedHelpers = new Set<string>();
code = code.replace(
  /require\("ajv\/dist\/runtime\/([a-zA-Z0-9_]+)"\)\.default/g,
  (_m: string, helper: string) => {
    if (!(helper in helpers)) throw new Error(`build-validators: no local implementation of ajv runtime helper "${helper}"`);
    usedHelpers.add(helper);
    return `__${helper}`;
  },
);
if (/\brequire\(/.test(code)) {
  throw new Error('build-validators: generated code still contains require(); update scripts/build-validators.ts');
}
code = code.replace(/^"use strict";/, '');
code = [...usedHelpers].map((h) => helpers[h]).join('\n') + (usedHelpers.size ? '\n' : '') + code;

const header = '// GENERATED by scripts/build-validators.ts from spec/schema/*.ts. Do not edit.\n';
mkdirSync(outDir, { recursive: true });
const jsPath = join(outDir, 'validators.js');
writeFileSync(jsPath, header + code + '\n');

const dts =
  header +
  `import type { ErrorObject } from 'ajv';\n\n` +
  `export interface StandaloneValidator {\n` +
  `  (data: unknown): boolean;\n` +
  `  errors?: ErrorObject[] | null;\n` +
  `}\n\n` +
  Object.keys(validators)
    .map((name) => `export declare const ${name}: StandaloneValidator;\n`)
    .join('');
writeFileSync(join(outDir, 'validators.d.ts'), dts);

const size = Buffer.byteLength(code);
console.log(
  `wrote ${relative(root, jsPath)} (${size} bytes, ${Object.keys(validators).length} validators; ` +
    `shared sub-schemas: ${[...shared.values()].filter((n) => !(n in validators)).join(', ')})`,
);
