/**
 * The code blocks of README.md and docs/*.md (not docs/api/, which is generated), as the docs
 * tests read them. The conventions a doc follows so that its blocks are checked:
 *
 * - Every ```ts, ```typescript, ```js and ```javascript block is type-checked (strict) against
 *   the sources: `celeriac` and its subpaths resolve to src/. JavaScript blocks are spared only
 *   what annotations would fix (a handler's arguments are `unknown` there).
 * - A block whose first line is a comment naming a file, `// src/tasks.ts` or
 *   `// tasks.mjs: the module the worker loads`, is that file of the doc's project: later blocks
 *   of the same doc import it (`import { app } from './tasks.ts'`). The same name again replaces
 *   the file from that block on.
 * - Any other block is a module of its own in the folder of the doc's last named file above it
 *   (or the project's root), so it imports those files by the same relative path as they do.
 *   Each doc is a project of its own, with `"type": "module"`.
 * - Prefer blocks that are complete: a block imports or defines every name it uses. Where a
 *   complete block would bury its point (the user's own database client, say), an HTML comment
 *   right above the block gives hidden declarations, checked as if they came first in it:
 *
 *       <!-- test: preamble
 *       declare const db: { userIds(range: { after: number | null }): Promise<number[]> };
 *       -->
 *
 * - `<!-- test: file src/tasks.ts` + code + `-->` is a named file that the doc does not show,
 *   for blocks that import a module the doc only mentions. It stands on its own, not above a
 *   block.
 * - `<!-- test: run -->` right above a block runs it too (under tsx, with the memory broker or
 *   eager mode: it must exit by itself, within seconds). A `console.log(...)` line that ends
 *   with a comment, `console.log(await result.get()); // 5`, must print that text.
 * - `<!-- test: long-running -->` right above a shell block of docs/getting-started.md marks a
 *   command that keeps running (the worker): test/docs/getting-started.test.ts starts it, and
 *   stops it where the next long-running command starts, or at the end.
 *
 * Markers other than `file` sit right above the fence (blank lines between are fine); several
 * may stack.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** A fenced block of a Markdown file. */
export interface Fence {
  /** The Markdown file, relative to the repository (`docs/tasks.md`). */
  doc: string;
  /** Line of the opening fence (1-based). */
  line: number;
  /** The info string's first word (`ts`, `sh`, `text`), lower case; '' for none. */
  lang: string;
  /** The block's text, without the fences. */
  code: string;
  /** Markers from the HTML comments right above the fence. */
  markers: Marker[];
  /** The Markdown heading the block sits under ('' before the first). */
  heading: string;
  /** A `<!-- test: file … -->` marker: a file the doc does not show. */
  hidden?: boolean;
}

/** `<!-- test: <kind> [text] -->` right above a fence. */
export interface Marker {
  kind: 'run' | 'preamble' | 'long-running' | 'file';
  /** What follows the kind: the preamble's declarations. */
  text: string;
}

const MARKER_KINDS = new Set<Marker['kind']>(['run', 'preamble', 'long-running', 'file']);
const CHECKED_LANGS = new Map([
  ['ts', 'ts'],
  ['typescript', 'ts'],
  ['js', 'js'],
  ['javascript', 'js'],
]);
/** `// src/tasks.ts`, `// tasks.mjs: what it is`: a block that is a file. */
const FILE_COMMENT = /^\/\/ ((?:[\w.-]+\/)*[\w.-]+\.(?:[cm]?[jt]s|[jt]sx))(?::.*|\s.*)?$/;

/** The docs whose blocks are checked: README.md and docs/*.md. */
export function docFiles(): string[] {
  const docs = readdirSync(join(REPO, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** Every fenced block of `doc` (a path relative to the repository), in order. */
export function readFences(doc: string): Fence[] {
  const lines = readFileSync(join(REPO, doc), 'utf8').split('\n');
  const fences: Fence[] = [];
  let heading = '';
  let markers: Marker[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const open = /^(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (open) {
      const fence = open[1] as string;
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !(lines[i] as string).startsWith(fence); i++) {
        body.push(lines[i] as string);
      }
      if (i >= lines.length) throw new Error(`${doc}:${start + 1}: a code block is never closed`);
      const lang = (open[2] ?? '').toLowerCase();
      fences.push({ doc, line: start + 1, lang, code: body.join('\n'), markers, heading });
      markers = [];
      continue;
    }
    if (line.startsWith('<!-- test:')) {
      const comment = [line];
      while (!(comment.at(-1) as string).includes('-->') && i + 1 < lines.length) {
        comment.push(lines[++i] as string);
      }
      const at = i + 1 - (comment.length - 1);
      const marker = parseMarker(doc, at, comment.join('\n'));
      if (marker.kind === 'file') fences.push(hiddenFile(doc, at, marker.text, heading));
      else markers.push(marker);
      continue;
    }
    if (markers.length > 0 && line.trim() !== '') {
      throw new Error(`${doc}:${i + 1}: a <!-- test: … --> marker must sit right above a block`);
    }
    const title = /^#{1,6}\s+(.*)$/.exec(line);
    if (title) heading = title[1] as string;
  }
  return fences;
}

/** `<!-- test: file src/tasks.ts` + code + `-->` as the block it stands for. */
function hiddenFile(doc: string, line: number, text: string, heading: string): Fence {
  const [path = '', ...code] = text.split('\n');
  const ext = /\.([cm]?[jt]s)$/.exec(path.trim())?.[1];
  if (!ext) throw new Error(`${doc}:${line}: a file marker names a .ts or .js file first`);
  const lang = ext.endsWith('ts') ? 'ts' : 'js';
  const body = [`// ${path.trim()}`, ...code].join('\n');
  return { doc, line, lang, code: body, markers: [], heading, hidden: true };
}

function parseMarker(doc: string, line: number, comment: string): Marker {
  const inner = comment.replace(/^<!-- test:/, '').replace(/-->\s*$/, '');
  const match = /^\s*([\w-]+)([\s\S]*)$/.exec(inner);
  const kind = match?.[1] as Marker['kind'] | undefined;
  if (!kind || !MARKER_KINDS.has(kind)) {
    throw new Error(`${doc}:${line}: unknown marker ${comment}; known: ${[...MARKER_KINDS]}`);
  }
  return { kind, text: (match?.[2] ?? '').trim() };
}

/** A checked block as a module of its doc's project. */
export interface Snippet {
  doc: string;
  /** Line of the opening fence. */
  line: number;
  /** Its path in the doc's project (`src/tasks.ts`, or `block-L42.ts` for an unnamed one). */
  file: string;
  /** Named by its first line. */
  named: boolean;
  /** From a `<!-- test: file … -->` marker: not shown in the doc. */
  hidden: boolean;
  /** 'ts' or 'js'. */
  lang: 'ts' | 'js';
  /** Hidden declarations checked before the block, '' for none. */
  preamble: string;
  run: boolean;
  code: string;
  /**
   * Which version of the doc's project the block belongs to: a named file that comes again
   * starts the next one, where the new text replaces the old.
   */
  version: number;
}

/** The type-checked blocks of `doc`: ```ts/typescript/js/javascript. */
export function readSnippets(doc: string): Snippet[] {
  const snippets: Snippet[] = [];
  let folder = '';
  let version = 0;
  let names = new Set<string>();
  for (const fence of readFences(doc)) {
    const lang = CHECKED_LANGS.get(fence.lang) as 'ts' | 'js' | undefined;
    if (!lang) continue;
    const named = FILE_COMMENT.exec(fence.code.split('\n')[0] ?? '')?.[1];
    if (named) {
      folder = posix.dirname(named) === '.' ? '' : posix.dirname(named);
      if (names.has(named)) {
        version++;
        names = new Set();
      }
      names.add(named);
    }
    const unnamed = posix.join(folder, `block-L${fence.line}.${lang}`);
    const preamble = fence.markers
      .filter((m) => m.kind === 'preamble')
      .map((m) => m.text)
      .join('\n');
    const run = fence.markers.some((m) => m.kind === 'run');
    if (run && preamble) {
      throw new Error(`${doc}:${fence.line}: a runnable block cannot have a preamble`);
    }
    snippets.push({
      doc,
      line: fence.line,
      file: named ?? unnamed,
      named: named !== undefined,
      hidden: fence.hidden === true,
      lang,
      preamble,
      run,
      code: fence.code,
      version,
    });
  }
  return snippets;
}

/**
 * The modules of one version of a doc's project: its own blocks, and the latest text of each
 * named file of the versions before it.
 */
export function projectOf(snippets: readonly Snippet[], version: number): Snippet[] {
  const own = snippets.filter((s) => s.version === version);
  const files = new Map<string, Snippet>();
  for (const s of snippets) if (s.version < version && s.named) files.set(s.file, s);
  for (const s of own) files.delete(s.file);
  return [...files.values(), ...own];
}

/**
 * The text of a snippet's module: its preamble, then the block. `offset` is the number of
 * lines before the block's first line, to map a line of the module back to the doc.
 */
export function moduleText(snippet: Snippet): { text: string; offset: number } {
  if (!snippet.preamble) return { text: snippet.code, offset: 0 };
  return {
    text: `${snippet.preamble}\n${snippet.code}`,
    offset: snippet.preamble.split('\n').length,
  };
}

/** The lines a runnable snippet says it prints: `console.log(...); // text`. */
export function expectedOutput(code: string): string[] {
  const printed: string[] = [];
  for (const line of code.split('\n')) {
    const match = /^\s*console\.log\(.*\);?\s*\/\/ (.+)$/.exec(line);
    if (match) printed.push((match[1] as string).trim());
  }
  return printed;
}

/** `package.json`'s exports as source modules: `celeriac/metrics` → src/metrics/index.ts. */
export function sourceEntries(): Map<string, string> {
  const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    name: string;
    exports: Record<string, string | { import?: { default?: string } }>;
  };
  const entries = new Map<string, string>();
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    const file = typeof target === 'string' ? target : target.import?.default;
    const built = file ? /^\.\/dist\/(.+)\.js$/.exec(file) : null;
    if (!built) continue;
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
    entries.set(specifier, join(REPO, 'src', `${built[1]}.ts`));
  }
  return entries;
}
