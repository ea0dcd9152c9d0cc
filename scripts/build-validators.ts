// Compiles the spec/ JSON Schemas with Ajv once, at build time, into
// standalone ES modules: spec/generated/validators.js and image-validators.js (+ .d.ts).
// The CLIs import these modules and never compile a schema at run time.
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
import * as descriptorModule from '../spec/schema/descriptor.schema.ts';
import * as dockerManifestModule from '../spec/schema/docker-manifest.schema.ts';
import * as imageConfigModule from '../spec/schema/image-config.schema.ts';
import * as imageDefsModule from '../spec/schema/image-defs.ts';
import * as imageManifestModule from '../spec/schema/image-manifest.schema.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'spec', 'generated');

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Only worth a function of its own if it validates a structure. */
const isStructural = (v: Json): boolean =>
  isObject(v) && ('properties' in v || 'patternProperties' in v || 'items' in v);

interface Group {
  /** Output module under spec/generated/ (+ .d.ts). */
  file: string;
  /** Exported validator name -> schema. */
  validators: Record<string, object>;
  /** Modules whose exports name the shared sub-schemas. */
  modules: Record<string, unknown>[];
  /** Sections that get a function of their own even when used once (compiled lazily by V8). */
  sections: object[];
}

// The runtime-spec validators (tsrun, and tsimg's unpack) and the image-spec ones (tsimg only) go into two
// modules, so tsrun's bundle and start-up never carry the image schemas.
const groups: Group[] = [
  {
    file: 'validators',
    validators: {
      validateConfig: configModule.configSchema,
      validateProcess: processModule.processSchema,
      validateLinuxResources: linuxModule.linuxResourcesSchema,
      validateState: stateModule.stateSchema,
      validateFeatures: featuresModule.featuresSchema,
    },
    modules: [defsModule, processModule, mountsModule, hooksModule, linuxModule, configModule, stateModule, featuresModule],
    sections: [linuxModule.linuxSchema, linuxModule.seccompSchema, hooksModule.hooksSchema, mountsModule.mountsSchema, configModule.vmSchema],
  },
  {
    file: 'image-validators',
    validators: {
      validateImageIndex: imageManifestModule.imageIndexSchema,
      validateImageManifest: imageManifestModule.imageManifestSchema,
      validateDockerManifest: dockerManifestModule.dockerManifestSchema,
      validateDockerManifestList: dockerManifestModule.dockerManifestListSchema,
      validateImageConfig: imageConfigModule.imageConfigSchema,
      validateDescriptor: descriptorModule.descriptorSchema,
    },
    modules: [defsModule, imageDefsModule, descriptorModule, imageManifestModule, dockerManifestModule, imageConfigModule],
    sections: [],
  },
];

// ---- de-duplication -----------------------------------------------------
//
// The TS schemas compose sub-schemas by inlining the same constant object in
// several places (hooks x6, IDMapping x4, process inside config and on its
// own, descriptors everywhere in manifests, ...). Compiled as-is, Ajv would
// generate code for every occurrence. Here, any named, exported sub-schema
// object that occurs more than once (by identity) across a group's validators
// is compiled once, under its export name, and the occurrences are replaced by
// a JSON `$ref` to it. Error instance paths are unaffected.

function sharedSchemas(group: Group): Map<object, string> {
  const names = new Map<object, string>();
  for (const mod of group.modules) {
    for (const [name, value] of Object.entries(mod)) {
      if (isStructural(value) && !names.has(value as object)) names.set(value as object, name);
    }
  }
  const uses = new Map<object, number>();
  const count = (node: Json): void => {
    if (Array.isArray(node)) return node.forEach(count);
    if (!isObject(node)) return;
    uses.set(node, (uses.get(node) ?? 0) + 1);
    if ((uses.get(node) ?? 0) > 1) return; // children already counted
    for (const v of Object.values(node)) count(v);
  };
  for (const schema of Object.values(group.validators)) count(schema);
  const shared = new Map<object, string>();
  for (const [obj, n] of uses) {
    const name = names.get(obj);
    if (name && n > 1) shared.set(obj, name);
  }
  // Top-level validators can be referenced too (process inside config).
  for (const [name, schema] of Object.entries(group.validators)) shared.set(schema, name);
  for (const schema of group.sections) {
    const name = names.get(schema);
    if (name) shared.set(schema, name);
  }
  return shared;
}

function withRefs(node: Json, top: boolean, shared: Map<object, string>): Json {
  if (Array.isArray(node)) return node.map((v) => withRefs(v, false, shared));
  if (!isObject(node)) return node;
  const ref = shared.get(node);
  if (ref && !top) return { $ref: ref };
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, withRefs(v, false, shared)]));
}

// Ajv's ESM standalone output still pulls runtime helpers in with CommonJS
// `require("ajv/dist/runtime/<name>").default`. We replace the ones our
// schemas need with small local implementations, so the generated module is
// self-contained (no runtime dependency on ajv) and loads under plain node,
// tsx and esbuild alike. An unknown helper fails the build.
const helpers: Record<string, string> = {
  // Length in Unicode code points (what minLength/maxLength count).
  ucs2length: 'function __ucs2length(s){let n=0;for(const _ of s)n++;return n;}',
};

function compile(group: Group): void {
  const shared = sharedSchemas(group);
  const ajv = new Ajv({
    code: { source: true, esm: true, lines: false },
    strict: false,
    allErrors: false,
    inlineRefs: false,
    // spec/check-document.ts words the errors itself; leaving Ajv's message strings
    // out keeps the generated module smaller.
    messages: false,
  });
  for (const [obj, name] of shared) ajv.addSchema(withRefs(obj, true, shared) as object, name);
  const refs = Object.fromEntries(Object.keys(group.validators).map((name) => [name, name]));
  let code = standalone.default(ajv, refs);
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
  const jsPath = join(outDir, `${group.file}.js`);
  writeFileSync(jsPath, header + code + '\n');
  const dts =
    header +
    `import type { ErrorObject } from 'ajv';\n\n` +
    `export interface StandaloneValidator {\n` +
    `  (data: unknown): boolean;\n` +
    `  errors?: ErrorObject[] | null;\n` +
    `}\n\n` +
    Object.keys(group.validators)
      .map((name) => `export declare const ${name}: StandaloneValidator;\n`)
      .join('');
  writeFileSync(join(outDir, `${group.file}.d.ts`), dts);
  console.log(
    `wrote ${relative(root, jsPath)} (${Buffer.byteLength(code)} bytes, ${Object.keys(group.validators).length} validators; ` +
      `shared sub-schemas: ${[...shared.values()].filter((n) => !(n in group.validators)).join(', ')})`,
  );
}

for (const group of groups) compile(group);
