import { type FSWatcher, readdirSync, statSync, watch } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** What `watchFiles` watches and whom it tells. */
export interface FileWatcherOptions {
  /** Directories watched with everything below them, except ignored paths. */
  roots: string[];
  /** Quiet time after the last change before `onChange` runs (default 200 ms). */
  debounceMs?: number;
  /** Use `fs.watch`'s recursive mode where the platform has it (default true). */
  recursive?: boolean;
  /** The changed files, absolute and each once, in the order they first changed. */
  onChange: (paths: string[]) => void;
  /** A directory that could not be watched; the others go on. */
  onError?: (error: Error) => void;
}

/** A running watcher. */
export interface FileWatcher {
  close(): void;
}

// Files a task module can import: a change to anything else (a SQLite file next to the module,
// an editor's swap file) must not restart the worker, or a worker writing there would loop.
const MODULE_FILE = /\.(?:[cm]?[jt]sx?|json)$/;

/** True for a directory name never watched: node_modules and dot-directories such as .git. */
export function isIgnoredName(name: string): boolean {
  return name === 'node_modules' || name.startsWith('.');
}

/** True unless `path` (relative to a watched root) is a module file outside ignored folders. */
export function isIgnored(path: string): boolean {
  const parts = path.split(/[\\/]/);
  return parts.some(isIgnoredName) || !MODULE_FILE.test(parts.at(-1) ?? '');
}

/** Collects paths and hands them over once no new one came for `ms`: many saves, one call. */
export class Debouncer {
  private readonly paths = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly flush: (paths: string[]) => void,
  ) {}

  /** Adds a path and restarts the quiet period. */
  add(path: string): void {
    this.paths.add(path);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), this.ms);
  }

  /** Drops what is pending. */
  cancel(): void {
    clearTimeout(this.timer);
    this.paths.clear();
  }

  private fire(): void {
    const paths = [...this.paths];
    this.paths.clear();
    this.flush(paths);
  }
}

/** Watches the roots for changed module files; see `FileWatcherOptions`. */
export function watchFiles(options: FileWatcherOptions): FileWatcher {
  const tree = new WatchedTree(options);
  for (const root of options.roots) tree.add(root, root);
  return tree;
}

/**
 * One `fs.watch` per directory, or with recursive mode one per subdirectory of a root: a root
 * itself is watched flat so that its node_modules and .git are never walked (Node's recursive
 * mode on Linux puts a watch on every file below, with no way to skip any).
 */
class WatchedTree implements FileWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly debouncer: Debouncer;
  private recursive: boolean;
  private closed = false;

  constructor(private readonly options: FileWatcherOptions) {
    this.recursive = options.recursive ?? true;
    this.debouncer = new Debouncer(options.debounceMs ?? 200, options.onChange);
  }

  /** Watches `dir` (below `root`) and, unless that watch is recursive, its subdirectories. */
  add(dir: string, root: string): void {
    if (this.closed || this.watchers.has(dir)) return;
    const recursive = this.recursive && dir !== root;
    const watcher = this.open(dir, root, recursive);
    if (!watcher) return;
    this.watchers.set(dir, watcher);
    if (recursive && this.recursive) return;
    for (const entry of readDirs(dir)) this.add(join(dir, entry), root);
  }

  close(): void {
    this.closed = true;
    this.debouncer.cancel();
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  private open(dir: string, root: string, recursive: boolean): FSWatcher | undefined {
    try {
      const watcher = watch(dir, { recursive }, (event, name) =>
        this.onEvent(event, name === null ? dir : join(dir, name.toString()), root, recursive),
      );
      watcher.on('error', (error) => this.drop(dir, error));
      return watcher;
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM') {
        // No recursive mode here: fall back to one watch per directory from now on.
        this.recursive = false;
        return this.open(dir, root, false);
      }
      // The root must exist (the CLI checks); a subdirectory may vanish while being walked.
      if (dir === root) throw error;
      return undefined;
    }
  }

  private onEvent(event: string, path: string, root: string, recursive: boolean): void {
    if (this.closed) return;
    const rel = relative(root, path);
    if (rel.split(sep).some(isIgnoredName)) return;
    // Under a flat watch, a directory was created, removed or moved: watch what is there now.
    // (A recursive watch follows its own subdirectories.)
    if (event === 'rename' && !recursive) {
      this.forget(path);
      if (isDirectory(path)) this.add(path, root);
    }
    if (!isIgnored(rel)) this.debouncer.add(path);
  }

  private drop(dir: string, error: Error): void {
    this.forget(dir);
    this.options.onError?.(error);
  }

  /** Closes the watches of `dir` and everything below it. */
  private forget(dir: string): void {
    for (const [path, watcher] of this.watchers) {
      if (path === dir || path.startsWith(dir + sep)) {
        watcher.close();
        this.watchers.delete(path);
      }
    }
  }
}

function readDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !isIgnoredName(entry.name))
      .map((entry) => entry.name);
  } catch {
    return []; // removed while we looked: its parent's watch reports that
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
