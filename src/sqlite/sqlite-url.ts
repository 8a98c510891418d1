import { ConfigError } from '../errors/errors.ts';

/**
 * The file of a `sqlite://` URL: what follows `sqlite://`, without query or fragment, so
 * `sqlite://data/x.db` is relative and `sqlite:///var/lib/x.db` absolute. `role` names the
 * config key at fault (`broker`, `backend`).
 */
export function sqliteFileOf(url: string, role: string): string {
  if (!/^sqlite:\/\//i.test(url)) {
    throw new ConfigError(role, `SQLite URL "${url}" must start with "sqlite://"`);
  }
  const raw = url.slice('sqlite://'.length).split(/[?#]/, 1)[0] ?? '';
  if (raw === '' || raw === '/') {
    throw new ConfigError(
      role,
      `SQLite URL "${url}" names no file (e.g. sqlite://celeriac.db or sqlite:///var/lib/celeriac.db)`,
    );
  }
  return decodeURIComponent(raw);
}
