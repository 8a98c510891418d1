#!/usr/bin/env node
// The `celeriac` command. It has no static import: an older Node must reach the version check
// and print one line, not fail inside a module it cannot run.
const { createRequire } = await import('node:module');

// The oldest Node is the one package.json's engines names (the first 20.x where require()
// loads ES modules), read here so the two cannot disagree.
const { engines } = createRequire(import.meta.url)('../../package.json') as {
  engines: { node: string };
};
const minimum = (/^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(engines.node) ?? []).slice(1).map(Number);
const running = process.versions.node.split('.').map(Number);
const differs = minimum.findIndex((part, i) => (running[i] ?? 0) !== part);
if (differs >= 0 && (running[differs] ?? 0) < (minimum[differs] ?? 0)) {
  process.stderr.write(
    `celeriac: needs Node.js ${minimum.join('.')} or newer, and this is ${process.version}: upgrade Node.js\n`,
  );
  process.exit(1);
}

const { main } = await import('./main.ts');
await main(process.argv);
