/** Task-name globs (`*` any run of characters, `?` one) mapped to queue names, first match wins. */
export class Router {
  private readonly rules: Array<{ pattern: RegExp; queue: string }>;

  constructor(routes: Record<string, string> = {}) {
    this.rules = Object.entries(routes).map(([glob, queue]) => ({
      pattern: globToRegExp(glob),
      queue,
    }));
  }

  /** The queue of the first matching route, or undefined. */
  route(taskName: string): string | undefined {
    return this.rules.find((rule) => rule.pattern.test(taskName))?.queue;
  }
}

/** Compiles a glob where `*` matches any run of characters and `?` one character. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((ch) => {
      if (ch === '*') return '.*';
      if (ch === '?') return '.';
      return ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${body}$`);
}
