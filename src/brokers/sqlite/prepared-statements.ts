import type Database from 'better-sqlite3';

/**
 * A store's statements on `db`, prepared on first use and kept per connection (the broker
 * opens a new connection after a close, and statements belong to the one that made them).
 */
export function preparedFor<S>(
  cache: WeakMap<Database.Database, S>,
  db: Database.Database,
  prepare: (db: Database.Database) => S,
): S {
  let statements = cache.get(db);
  if (!statements) {
    statements = prepare(db);
    cache.set(db, statements);
  }
  return statements;
}
