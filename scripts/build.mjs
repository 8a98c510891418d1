// `npm run build` (and `prepack`): compiles src/ to dist/ (JS, .d.ts, source maps) and copies
// the Lua scripts beside the modules that read them. dist/ is emptied first, so a file removed
// from src/ never ships from an old build.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
let copied = 0;
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.lua')) continue;
  const from = join(entry.parentPath, entry.name);
  cpSync(from, join(dist, relative(src, from)));
  copied++;
}

// require('celeriac') loads the same ES module as import (Node 20.19+ requires ES modules), so
// there is one copy of every class. Each entry point's require condition is this small
// CommonJS file, which says which Node is needed where an older one would fail obscurely.
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// The Node it names is the one engines names, so the two cannot disagree.
const floor = /^>=\s*(\d+)\.(\d+)/.exec(manifest.engines.node);
if (!floor) throw new Error(`engines.node "${manifest.engines.node}" is not ">=major.minor.patch"`);
const [major, minor] = [Number(floor[1]), Number(floor[2])];
const REQUIRE_SHIM = (entry) => `'use strict';
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < ${major} || (major === ${major} && minor < ${minor})) {
  throw new Error(
    'celeriac needs Node.js ${major}.${minor} or newer to be loaded with require(), and this is ' +
      process.version + ': upgrade Node.js, or load it with import',
  );
}
module.exports = require('${entry}');
`;
let shims = 0;
for (const { import: esm, require: cjs } of Object.values(manifest.exports)) {
  if (!cjs) continue;
  const target = `./${relative(dirname(cjs.default), esm.default)}`;
  writeFileSync(join(root, cjs.default), REQUIRE_SHIM(target));
  // The CommonJS entry's types are the ES module's, re-exported.
  writeFileSync(join(root, cjs.types), `export * from '${target}';\n`);
  shims++;
}
process.stdout.write(`built dist/ with ${copied} Lua scripts and ${shims} require() entries\n`);
