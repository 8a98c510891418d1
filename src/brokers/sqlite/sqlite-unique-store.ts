import type Database from 'better-sqlite3';
import type { UniqueClaim, UniqueSend, UniqueStore } from '../contract/unique-store.ts';
import { insertMessage } from './insert-message.ts';
import type { Statements } from './statements.ts';

/** The broker's open connection, as the claims need it. */
export interface SqliteConnection {
  db: Database.Database;
  stmts: Statements;
}

/** How many expired claims each unique send deletes: bounded work, steady cleanup. */
const SWEEP_LIMIT = 100;

const SQL = {
  holder: 'SELECT id FROM unique_claims WHERE queue = ? AND key = ? AND expires_at > ?',
  claim: `INSERT INTO unique_claims (queue, key, id, expires_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (queue, key) DO UPDATE SET id = excluded.id, expires_at = excluded.expires_at`,
  release: 'DELETE FROM unique_claims WHERE queue = ? AND key = ? AND id = ?',
  extend: `UPDATE unique_claims SET expires_at = ?
    WHERE queue = ? AND key = ? AND id = ? AND expires_at > ?`,
  sweep: `DELETE FROM unique_claims WHERE rowid IN
    (SELECT rowid FROM unique_claims WHERE expires_at <= ? LIMIT ${SWEEP_LIMIT})`,
} as const;

type ClaimStatements = { -readonly [K in keyof typeof SQL]: Database.Statement };

/**
 * Unique claims of the SQLite broker, in the broker's file: the check, the claim and the
 * message insert share one `BEGIN IMMEDIATE` transaction, which serializes them against every
 * other process on the file.
 */
export class SqliteUniqueStore implements UniqueStore {
  readonly #prepared = new WeakMap<Database.Database, ClaimStatements>();

  /** `open` yields the broker's connection; `notify` wakes this process's waiting reserves. */
  constructor(
    private readonly open: () => SqliteConnection,
    private readonly notify: (queues: string[]) => void,
  ) {}

  /** Claims and inserts in one transaction; duplicates get the holder's id. */
  async enqueueUnique(claims: UniqueClaim[]): Promise<UniqueSend[]> {
    if (claims.length === 0) return [];
    const { db, stmts } = this.open();
    const own = this.#statements(db);
    const sends = db
      .transaction(() => {
        const now = Date.now();
        own.sweep.run(now);
        return claims.map(({ message: m, key, ttlMs }) => {
          const holder = own.holder.get(m.queue, key, now) as { id: string } | undefined;
          if (holder) return { id: holder.id, created: false };
          own.claim.run(m.queue, key, m.id, now + ttlMs);
          insertMessage(stmts, m, now);
          return { id: m.id, created: true };
        });
      })
      .immediate();
    const queues = claims.filter((_, i) => sends[i]?.created).map((c) => c.message.queue);
    if (queues.length > 0) this.notify(queues);
    return sends;
  }

  /** Drops the claim when `id` holds it. */
  async releaseUnique(queue: string, key: string, id: string): Promise<boolean> {
    const { db } = this.open();
    return this.#statements(db).release.run(queue, key, id).changes > 0;
  }

  /** Moves the end of `id`'s live claim to `ttlMs` from now. */
  async extendUnique(queue: string, key: string, id: string, ttlMs: number): Promise<boolean> {
    const { db } = this.open();
    const now = Date.now();
    return this.#statements(db).extend.run(now + ttlMs, queue, key, id, now).changes > 0;
  }

  /** The claim statements of one connection, prepared once. */
  #statements(db: Database.Database): ClaimStatements {
    let prepared = this.#prepared.get(db);
    if (prepared) return prepared;
    prepared = {} as ClaimStatements;
    for (const name of Object.keys(SQL) as (keyof typeof SQL)[]) {
      prepared[name] = db.prepare(SQL[name]);
    }
    this.#prepared.set(db, prepared);
    return prepared;
  }
}
