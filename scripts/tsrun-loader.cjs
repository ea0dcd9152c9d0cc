#!/usr/bin/env node
// The entry point of tsrun and of tsimg (dist/tsrun.cjs, dist/tsimg.cjs: this same file). It runs
// its bundle (NAME-main.cjs beside it) from V8's code cache made at build time, which spares the
// compile of the bundle and of the functions the common paths call: every tsrun call is a fresh
// process, and orchestrators make several per container; a quick tsimg command is mostly start-up.
'use strict';
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');
const { Script } = require('node:vm');
const { wrap } = require('node:module');

const main = join(__dirname, `${basename(__filename, '.cjs')}-main.cjs`);
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
