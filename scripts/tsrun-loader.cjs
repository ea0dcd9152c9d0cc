#!/usr/bin/env node
// tsrun's entry point. It runs the bundle (tsrun-main.cjs) from V8's code cache made at build time,
// which spares the compile of the bundle and of the functions the common paths call: every
// tsrun call is a fresh process, and orchestrators make several per container.
'use strict';
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');
const { wrap } = require('node:module');

const main = join(__dirname, 'tsrun-main.cjs');
const cachePath = `${main}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cachePath);
} catch {
  // no cache: compile as usual
}
const script = new Script(wrap(readFileSync(main, 'utf8')), { filename: main, cachedData });
if (process.env.TSRUN_CODE_CACHE === 'write') {
  process.on('exit', () => {
    const tmp = `${cachePath}.${process.pid}`;
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cachePath);
  });
}
script.runInThisContext()(exports, require, module, main, __dirname);
