import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CeleriacError } from '../errors/errors.ts';

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);
// Per thread, whoever registered tsx: this module, or the entry of a pool child started from
// Celeriac's own sources. A second registration would transform every file twice.
const TSX_REGISTERED = Symbol.for('celeriac.tsx-registered');
const flags = globalThis as { [TSX_REGISTERED]?: boolean };

/** A task module that cannot load for a reason the user fixes in one step, said in one line. */
export class TaskModuleError extends CeleriacError {
  constructor(message: string) {
    super('TASK_MODULE', message);
  }
}

/**
 * Imports a task module (`.js`, `.mjs`, `.cjs`, or TypeScript). TypeScript loads through a
 * loader the process was started with, the project's tsx, or Node's own type stripping where it
 * has it; a module Node reads in the other module format gets the one line that fixes it.
 * `shown`: the path as the user wrote it.
 */
export async function importTaskModule(
  path: string,
  shown: string,
): Promise<Record<string, unknown>> {
  if (TYPESCRIPT.has(extname(path))) await prepareTypeScript(path, shown);
  const restoreWarnings = holdModuleFormatHint();
  try {
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw formatMismatch(error, path, shown) ?? error;
  } finally {
    restoreWarnings();
  }
}

/**
 * Node warns "To load an ES module, set "type": "module"…" before it fails on import syntax in a
 * CommonJS file; the error this module raises then says the same in one line, so the warning is
 * held back while the task module loads. Every other warning passes.
 */
function holdModuleFormatHint(): () => void {
  const listeners = process.listeners('warning');
  const filter = (warning: Error) => {
    if (warning.message.startsWith('To load an ES module')) return;
    for (const listener of listeners) listener.call(process, warning);
  };
  process.removeAllListeners('warning');
  process.on('warning', filter);
  return () => {
    process.off('warning', filter);
    for (const listener of listeners) process.on('warning', listener);
  };
}

// The project's tsx comes before Node's own type stripping: stripping runs no enums and does not
// map the `./x.js` imports of nodenext-style code to `./x.ts`, which tsx does.
async function prepareTypeScript(path: string, shown: string): Promise<void> {
  if (flags[TSX_REGISTERED] || startedWithLoader()) return;
  const tsx = resolveTsx(path);
  if (!tsx) {
    if (nodeStripsTypes()) return;
    throw noTypeScriptLoader(shown);
  }
  const api = (await import(pathToFileURL(tsx).href)) as { register(): unknown };
  api.register();
  flags[TSX_REGISTERED] = true;
}

function nodeStripsTypes(): boolean {
  return Boolean((process.features as { typescript?: unknown }).typescript);
}

// A user who starts Node with a loader of their own (`--import tsx`, `--loader ts-node/esm`)
// chose how TypeScript loads; registering tsx again would transform every file twice.
function startedWithLoader(): boolean {
  const options = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return options.some((flag) => /^--(import|loader|experimental-loader)\b/.test(flag));
}

/**
 * The ES module build of tsx's register API, from the task module's project, else from beside
 * Celeriac. Found through tsx's own package.json: require.resolve would pick its CommonJS build,
 * whose `register()` cannot find its loader when called from an ES module.
 */
function resolveTsx(path: string): string | undefined {
  for (const from of [path, import.meta.url]) {
    let manifest: string;
    try {
      manifest = createRequire(from).resolve('tsx/package.json');
    } catch {
      continue; // Not installed there: try the next place.
    }
    const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
      exports?: Record<string, { import?: string | { default?: string } }>;
    };
    const entry = exports?.['./esm/api']?.import;
    const target = typeof entry === 'string' ? entry : entry?.default;
    if (target) return join(dirname(manifest), target);
  }
  return undefined;
}

function noTypeScriptLoader(shown: string): TaskModuleError {
  return new TaskModuleError(
    `${shown} is TypeScript, and Node.js ${process.version} cannot load TypeScript by itself: ` +
      'npm install --save-dev tsx (or point -A at the compiled JavaScript)',
  );
}

/** The one-line fix when Node read the module in the format its syntax is not written in. */
function formatMismatch(error: unknown, path: string, shown: string): TaskModuleError | undefined {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = String(message);
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && TYPESCRIPT.has(extname(path))) {
    return noTypeScriptLoader(shown);
  }
  const stem = basename(path, extname(path));
  if (
    error instanceof SyntaxError &&
    /Cannot use import statement outside a module|Unexpected token 'export'/.test(text)
  ) {
    return new TaskModuleError(
      `${shown} uses import/export, but Node.js loads it as CommonJS (${whyCommonJs(path)}): ` +
        `rename it to ${stem}.mjs, or set "type": "module" in package.json`,
    );
  }
  if (
    error instanceof ReferenceError &&
    /(require|module|exports) is not defined in ES module scope/.test(text)
  ) {
    return new TaskModuleError(
      `${shown} uses require/module.exports, but Node.js loads it as an ES module ` +
        `(${whyEsm(path)}): rename it to ${stem}.cjs, or use import/export`,
    );
  }
  return undefined;
}

function whyCommonJs(path: string): string {
  if (extname(path) === '.cjs') return 'it ends in .cjs';
  const manifest = nearestManifest(path);
  return manifest ? `${manifest} has no "type": "module"` : 'no package.json says "type": "module"';
}

function whyEsm(path: string): string {
  if (extname(path) === '.mjs') return 'it ends in .mjs';
  const manifest = nearestManifest(path);
  return manifest ? `${manifest} says "type": "module"` : 'it ends in .js';
}

/** The package.json that decides how Node reads `path`, relative to the working directory. */
function nearestManifest(path: string): string | undefined {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) return relative(process.cwd(), candidate) || 'package.json';
    if (dirname(dir) === dir) return undefined;
  }
}
