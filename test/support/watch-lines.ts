import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A child's stdout and stderr, line by line, as they come. */
export interface WatchedLines {
  /** Every line so far, joined. */
  output(): string;
  /** Resolves with the first line matching `pattern`; rejects if the child exits first. */
  waitFor(pattern: RegExp): Promise<string>;
}

/** Collects a child's output lines and answers `waitFor` as each line arrives. */
export function watchLines(child: ChildProcess, exited: Promise<unknown>): WatchedLines {
  const lines: string[] = [];
  const watchers: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const w of watchers.filter((x) => x.pattern.test(line))) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(line);
      }
    });
  }
  return {
    output: () => lines.join('\n'),
    waitFor: (pattern) => {
      const seen = lines.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        watchers.push({ pattern, resolve });
        void exited.then(() => reject(new Error(`exited before ${pattern}:\n${lines.join('\n')}`)));
      });
    },
  };
}
