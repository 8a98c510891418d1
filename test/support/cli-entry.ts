import { fileURLToPath } from 'node:url';

/** Node arguments that run the `celeriac` command from the sources (tests need no build). */
export const CLI_FROM_SOURCES = [
  '--import',
  'tsx',
  fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url)),
];
