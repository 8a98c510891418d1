// Every TypeScript and JavaScript block of README.md and docs/*.md is type-checked against the
// sources, and the blocks marked `<!-- test: run -->` are run. The conventions a doc follows
// are at the top of ./doc-blocks.ts.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import {
  docFiles,
  expectedOutput,
  moduleText,
  projectOf,
  REPO,
  readSnippets,
  type Snippet,
  sourceEntries,
} from './doc-blocks.ts';

const CONVENTIONS = 'conventions: test/docs/doc-blocks.ts';
const RUN_TIMEOUT_MS = 20_000;

/**
 * Packages the docs import that the repository does not install, declared as far as the docs
 * use them (the real ones are checked where installed).
 */
const STUBS: Record<string, string> = {
  '@opentelemetry/sdk-node': `
    export class NodeSDK {
      constructor(configuration?: { traceExporter?: unknown; serviceName?: string });
      start(): void;
      shutdown(): Promise<void>;
    }`,
  '@opentelemetry/exporter-trace-otlp-http': `
    export class OTLPTraceExporter {
      constructor(config?: { url?: string; headers?: Record<string, string> });
    }`,
};

/**
 * What only annotations would fix, which JavaScript has none of: a handler's arguments are
 * `unknown` there (`(ctx, a, b) => a + b`). Every other error counts in JavaScript blocks too.
 */
const UNTYPED_JS = new Set([2571, 7005, 7006, 7019, 7031, 7034, 18046]);

const snippets = docFiles().flatMap((doc) => readSnippets(doc));
/** Where the docs' projects live for the compiler: inside the repository (so node_modules and
 * its "type": "module" apply), never written to disk. */
const VIRTUAL = join(REPO, '.doc-snippets');

const projectRoot = (s: Pick<Snippet, 'doc' | 'version'>) =>
  join(VIRTUAL, s.doc.replace(/\.md$/, ''), `v${s.version}`);

/** Every module the compiler sees: each snippet in its own project version, and the files its
 * version carries over from earlier ones. */
const modules = new Map<string, { snippet: Snippet; text: string; offset: number }>();
for (const snippet of snippets) {
  for (const file of projectOf(
    snippets.filter((s) => s.doc === snippet.doc),
    snippet.version,
  )) {
    const path = join(projectRoot(snippet), file.file);
    if (!modules.has(path)) modules.set(path, { snippet: file, ...moduleText(file) });
  }
}
const ownPath = (s: Snippet) => join(projectRoot(s), s.file);

function virtualStubs(): Map<string, string> {
  const stubs = new Map<string, string>();
  const require = createRequire(join(REPO, 'package.json'));
  for (const [name, text] of Object.entries(STUBS)) {
    try {
      require.resolve(name);
    } catch {
      stubs.set(name, text);
    }
  }
  return stubs;
}

interface Problem {
  snippet: Snippet;
  message: string;
}

function typeCheck(): { problems: Problem[]; global: string[] } {
  const stubs = virtualStubs();
  const paths: Record<string, string[]> = {};
  for (const [specifier, file] of sourceEntries()) paths[specifier] = [file];
  const stubFiles = new Map<string, string>();
  for (const [name, text] of stubs) {
    const file = join(VIRTUAL, 'stubs', `${name.replace(/[@/]/g, '_')}.d.ts`);
    stubFiles.set(file, text);
    paths[name] = [file];
  }
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    moduleDetection: ts.ModuleDetectionKind.Force,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    typeRoots: [join(REPO, 'node_modules/@types')],
    strict: true,
    noImplicitOverride: true,
    allowJs: true,
    checkJs: true,
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    paths,
  };
  const host = ts.createCompilerHost(options, true);
  const virtualText = (file: string) => modules.get(file)?.text ?? stubFiles.get(file);
  const virtualDirs = new Set<string>();
  for (const file of [...modules.keys(), ...stubFiles.keys()]) {
    for (let dir = dirname(file); dir.startsWith(VIRTUAL); dir = dirname(dir)) virtualDirs.add(dir);
  }
  const { fileExists, readFile, getSourceFile, directoryExists } = host;
  host.fileExists = (file) => virtualText(file) !== undefined || fileExists.call(host, file);
  host.readFile = (file) => virtualText(file) ?? readFile.call(host, file);
  host.directoryExists = (dir) =>
    virtualDirs.has(dir) || (directoryExists?.call(host, dir) ?? false);
  host.getSourceFile = (file, language, onError, create) => {
    const text = virtualText(file);
    if (text === undefined) return getSourceFile.call(host, file, language, onError, create);
    return ts.createSourceFile(file, text, language, true);
  };
  const program = ts.createProgram([...modules.keys()], options, host);
  const problems: Problem[] = [];
  // Only the snippets' own diagnostics: checking all of src/ is tsc's job, and slow.
  const own = [...modules].filter(([path, m]) => path === ownPath(m.snippet));
  const diagnostics = own.flatMap(([path]) => {
    const source = program.getSourceFile(path);
    if (!source) throw new Error(`the compiler did not load ${path}`);
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  });
  for (const diagnostic of diagnostics) {
    const file = diagnostic.file?.fileName;
    const module = file ? modules.get(file) : undefined;
    if (!module || diagnostic.start === undefined) continue;
    const { line } = (diagnostic.file as ts.SourceFile).getLineAndCharacterOfPosition(
      diagnostic.start,
    );
    const { snippet, offset } = module;
    if (snippet.lang === 'js' && UNTYPED_JS.has(diagnostic.code)) continue;
    const where =
      line < offset
        ? `${snippet.doc}:${snippet.line} (its preamble)`
        : `${snippet.doc}:${snippet.line + 1 + line - offset}`;
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ');
    problems.push({ snippet, message: `${where}: TS${diagnostic.code}: ${text}` });
  }
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map((d) =>
    ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  );
  return { problems, global };
}

const checked = typeCheck();
const byLine = (s: Snippet) => `${s.doc}:${s.line}${s.hidden ? ` (hidden ${s.file})` : ''}`;

describe('doc snippets type-check', () => {
  it('the compiler options are sound', () => {
    expect(checked.global).toEqual([]);
  });

  it.each(snippets.map((s) => [byLine(s), s] as const))('%s', (_, snippet) => {
    const mine = checked.problems.filter((p) => p.snippet === snippet).map((p) => p.message);
    if (mine.length > 0) {
      throw new Error(
        `a ${snippet.lang} block does not type-check (${CONVENTIONS}):\n${mine.join('\n')}`,
      );
    }
  });
});

const runnable = snippets.filter((s) => s.run);
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** Writes the snippet's project version to a temp folder that maps `celeriac` to src/. */
function writeProject(snippet: Snippet): string {
  const folder = mkdtempSync(join(tmpdir(), 'celeriac-doc-snippet-'));
  folders.push(folder);
  writeFileSync(join(folder, 'package.json'), '{ "type": "module" }\n');
  const paths: Record<string, string[]> = {};
  for (const [specifier, file] of sourceEntries()) paths[specifier] = [file];
  const tsconfig = {
    compilerOptions: {
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      allowImportingTsExtensions: true,
      paths,
    },
  };
  writeFileSync(join(folder, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  symlinkSync(join(REPO, 'node_modules'), join(folder, 'node_modules'), 'dir');
  const docSnippets = snippets.filter((s) => s.doc === snippet.doc);
  for (const file of projectOf(docSnippets, snippet.version)) {
    mkdirSync(dirname(join(folder, file.file)), { recursive: true });
    writeFileSync(join(folder, file.file), moduleText(file).text);
  }
  return folder;
}

describe.skipIf(runnable.length === 0)('runnable doc snippets', () => {
  it.concurrent.each(runnable.map((s) => [byLine(s), s] as const))(
    '%s runs and exits',
    async (_, snippet) => {
      const folder = writeProject(snippet);
      const { code, stdout, stderr } = await new Promise<{
        code: number | string | null;
        stdout: string;
        stderr: string;
      }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', snippet.file],
          { cwd: folder, timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL' },
          (error, stdout, stderr) =>
            resolve({
              code: error ? ((error as { code?: number | string }).code ?? 'killed') : 0,
              stdout,
              stderr,
            }),
        );
      });
      const shown = relative(REPO, join(REPO, snippet.doc));
      if (code !== 0) {
        throw new Error(
          `${shown}:${snippet.line}: the block did not exit by itself with code 0 within ` +
            `${RUN_TIMEOUT_MS / 1000} s (exit: ${code}):\n${stderr || stdout}`,
        );
      }
      const lines = stdout.split('\n').map((line) => line.trim());
      let from = 0;
      for (const expected of expectedOutput(snippet.code)) {
        const at = lines.indexOf(expected, from);
        if (at < 0) {
          throw new Error(
            `${shown}:${snippet.line}: the block says it prints "${expected}"; it printed:\n${stdout}`,
          );
        }
        from = at + 1;
      }
    },
    RUN_TIMEOUT_MS + 5_000,
  );
});
