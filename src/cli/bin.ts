#!/usr/bin/env node
// The `celeriac` command. It has no static import: an older Node must reach the version check
// and print one line, not fail inside a module it cannot run.

/** The oldest Node that runs Celeriac: the first 20.x where require() loads ES modules. */
const MINIMUM = [20, 19, 0] as const;

const running = process.versions.node.split('.').map(Number);
const tooOld = MINIMUM.findIndex((part, i) => (running[i] ?? 0) !== part);
if (tooOld >= 0 && (running[tooOld] ?? 0) < (MINIMUM[tooOld] ?? 0)) {
  process.stderr.write(
    `celeriac: needs Node.js ${MINIMUM.join('.')} or newer, and this is ${process.version}: upgrade Node.js\n`,
  );
  process.exit(1);
}

const { main } = await import('./main.ts');
await main(process.argv);
