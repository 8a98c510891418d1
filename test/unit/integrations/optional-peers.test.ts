import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../../../src/', import.meta.url).pathname;
/** Static imports and re-exports of an optional peer, bare imports, and dynamic imports. */
const PEER_IMPORT =
  /^(?:import|export)\s[^;]*?from\s+'(?:@opentelemetry|@sentry)\/[^']+'|^import\s+'(?:@opentelemetry|@sentry)\/[^']+'|import\(\s*'(?:@opentelemetry|@sentry)\//gm;

/** Every TypeScript file under `dir`. */
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });

/** The import statements of `path` that name an optional peer, as `file: statement`. */
const peerImports = (path: string): string[] =>
  [...readFileSync(path, 'utf8').matchAll(PEER_IMPORT)].map(
    ([statement]) => `${relative(SRC, path)}: ${statement.replace(/\s+/g, ' ')}`,
  );

describe('optional peer dependencies', () => {
  it('are imported by nothing outside src/integrations', () => {
    const outside = sources(SRC).filter((path) => !relative(SRC, path).startsWith('integrations'));
    expect(outside.flatMap(peerImports)).toEqual([]);
  });

  it('are imported for their types only inside src/integrations, so loading one costs nothing', () => {
    const integrations = sources(join(SRC, 'integrations')).flatMap(peerImports);
    expect(integrations.length).toBeGreaterThan(0);
    expect(integrations.filter((statement) => !/: import type /.test(statement))).toEqual([]);
  });
});
