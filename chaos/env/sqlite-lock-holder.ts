/**
 * A separate process that takes an exclusive lock on a SQLite file and holds it until its
 * stdin ends: another program (a backup tool, an admin's sqlite3 shell) sitting in a
 * transaction. Prints `locked` once it holds the lock and `released` after it let go.
 *
 * Usage: node --import tsx chaos/env/sqlite-lock-holder.ts <file>
 */
import Database from 'better-sqlite3';

const file = process.argv[2];
if (!file) throw new Error('sqlite-lock-holder: usage: sqlite-lock-holder.ts <file>');
// Waits as long as it takes for writers in flight to finish, then shuts every other writer out.
const db = new Database(file, { timeout: 60_000 });
db.exec('BEGIN EXCLUSIVE');
// A write inside the transaction, so the lock covers the WAL as a real writer's would.
db.exec('CREATE TABLE IF NOT EXISTS chaos_lock_holder (at INTEGER)');
db.prepare('INSERT INTO chaos_lock_holder (at) VALUES (?)').run(Date.now());
process.stdout.write('locked\n');
process.stdin.resume();
process.stdin.on('end', () => {
  db.exec('COMMIT');
  db.close();
  process.stdout.write('released\n');
  process.exit(0);
});
