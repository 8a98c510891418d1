import type { SchemeEntry } from '../../config/scheme-registry.ts';
import { sqliteFileOf } from '../../sqlite/sqlite-url.ts';
import type { ResultBackend } from '../backend.ts';
import { SqliteBackend } from './sqlite-backend.ts';

/** `sqlite://relative.db`, `sqlite:///absolute.db`: results in one file. */
export const sqliteBackendScheme: SchemeEntry<ResultBackend> = {
  schemes: ['sqlite'],
  create: (url) => new SqliteBackend({ path: sqliteFileOf(url, 'backend') }),
};
