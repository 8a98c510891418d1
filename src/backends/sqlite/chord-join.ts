import type Database from 'better-sqlite3';
import {
  type ChordState,
  chordExpiry,
  chordSizeMismatch,
  decodeChordValue,
  encodeOutcome,
  failedJoin,
  validateChordMember,
  WAIT,
} from '../chord-rules.ts';
import type { ChordJoin, ChordMemberOutcome } from '../workflow-store.ts';

/** Expired chords one new chord deletes, so the tables cannot grow without bound. */
const PURGE_BATCH = 100;

interface ChordRow {
  size: number;
  joined: number;
  state: ChordState;
  expiresAt: number | null;
}

interface Statements {
  selectChord: Database.Statement<[string], ChordRow>;
  insertChord: Database.Statement<[string, number]>;
  memberExists: Database.Statement<[string, number], number>;
  insertMember: Database.Statement<[string, number, string]>;
  countMember: Database.Statement<[number | null, string]>;
  settle: Database.Statement<[ChordState, number | null, string]>;
  selectValues: Database.Statement<[string], string>;
  deleteMembers: Database.Statement<[string]>;
  deleteChord: Database.Statement<[string]>;
  selectExpired: Database.Statement<[number, number], string>;
}

/** The store of each open database, so every backend on a connection prepares once. */
const stores = new WeakMap<Database.Database, SqliteChordStore>();

/** The chord store of `db`, prepared on first use. */
export function chordStoreFor(db: Database.Database): SqliteChordStore {
  let store = stores.get(db);
  if (!store) {
    store = new SqliteChordStore(db);
    stores.set(db, store);
  }
  return store;
}

/**
 * Chord joins in the backend's SQLite file (tables `chords` and `chord_members`). Each join
 * is one IMMEDIATE transaction, so joins from every process using the file are serialized.
 */
export class SqliteChordStore {
  private readonly statements: Statements;
  private readonly joinImmediately: (
    chordId: string,
    size: number,
    index: number,
    outcome: ChordMemberOutcome,
    json: string | undefined,
    ttlMs: number,
  ) => ChordJoin;
  private readonly forgetImmediately: (chordId: string) => void;

  constructor(db: Database.Database) {
    this.statements = prepareStatements(db);
    // IMMEDIATE takes the write lock before the first read, so two processes cannot both
    // read the same count and both decide they completed the chord.
    const join = db.transaction(this.joinInTransaction.bind(this));
    this.joinImmediately = join.immediate.bind(join);
    const forget = db.transaction(this.deleteChord.bind(this));
    this.forgetImmediately = forget.immediate.bind(forget);
  }

  /** Counts member `index` once and says what it must do next; see `WorkflowStore.joinChord`. */
  join(
    chordId: string,
    size: number,
    index: number,
    outcome: ChordMemberOutcome,
    ttlMs: number,
  ): ChordJoin {
    validateChordMember(chordId, size, index);
    // Encode outside the transaction: a value JSON cannot hold fails before any lock is taken.
    const json = encodeOutcome(outcome);
    return this.joinImmediately(chordId, size, index, outcome, json, ttlMs);
  }

  /** Deletes the chord's row and its members' values. */
  forget(chordId: string): void {
    this.forgetImmediately(chordId);
  }

  private joinInTransaction(
    chordId: string,
    size: number,
    index: number,
    outcome: ChordMemberOutcome,
    json: string | undefined,
    ttlMs: number,
  ): ChordJoin {
    const now = Date.now();
    const chord = this.liveChord(chordId, now) ?? this.startChord(chordId, size, now);
    if (chord.size !== size) throw chordSizeMismatch(chordId, size, index, chord.size);
    if (chord.state !== 'open') return WAIT;
    const expiresAt = chordExpiry(now, ttlMs);
    if (!outcome.ok) {
      if (this.statements.memberExists.get(chordId, index) !== undefined) return WAIT;
      this.settle(chordId, 'failed', expiresAt);
      return failedJoin(index, outcome);
    }
    // The primary key (chord_id, idx) makes the member set: a second insert changes nothing.
    const inserted = this.statements.insertMember.run(chordId, index, json ?? 'null');
    if (inserted.changes === 0) return WAIT;
    if (chord.joined + 1 < size) {
      this.statements.countMember.run(expiresAt, chordId);
      return WAIT;
    }
    const values = this.statements.selectValues.all(chordId).map(decodeChordValue);
    this.settle(chordId, 'complete', expiresAt);
    return { kind: 'complete', values };
  }

  /** The chord's row unless it has expired (an expired one is deleted on the way). */
  private liveChord(chordId: string, now: number): ChordRow | undefined {
    const chord = this.statements.selectChord.get(chordId);
    if (chord && chord.expiresAt !== null && chord.expiresAt <= now) {
      this.deleteChord(chordId);
      return undefined;
    }
    return chord;
  }

  private startChord(chordId: string, size: number, now: number): ChordRow {
    this.purgeExpired(now);
    this.statements.insertChord.run(chordId, size);
    return { size, joined: 0, state: 'open', expiresAt: null };
  }

  /** Keeps only the outcome: later joins answer `wait` whatever their values were. */
  private settle(chordId: string, state: ChordState, expiresAt: number | null): void {
    this.statements.deleteMembers.run(chordId);
    this.statements.settle.run(state, expiresAt, chordId);
  }

  private deleteChord(chordId: string): void {
    this.statements.deleteMembers.run(chordId);
    this.statements.deleteChord.run(chordId);
  }

  private purgeExpired(now: number): void {
    for (const chordId of this.statements.selectExpired.all(now, PURGE_BATCH)) {
      this.deleteChord(chordId);
    }
  }
}

function prepareStatements(db: Database.Database): Statements {
  return {
    selectChord: db.prepare<[string], ChordRow>(
      'SELECT size, joined, state, expires_at AS expiresAt FROM chords WHERE id = ?',
    ),
    // The expiry is set by the join that counts the member, right after this insert.
    insertChord: db.prepare<[string, number]>(
      "INSERT INTO chords (id, size, joined, state) VALUES (?, ?, 0, 'open')",
    ),
    memberExists: db
      .prepare<[string, number], number>(
        'SELECT 1 FROM chord_members WHERE chord_id = ? AND idx = ?',
      )
      .pluck(),
    insertMember: db.prepare<[string, number, string]>(
      'INSERT OR IGNORE INTO chord_members (chord_id, idx, value) VALUES (?, ?, ?)',
    ),
    countMember: db.prepare<[number | null, string]>(
      'UPDATE chords SET joined = joined + 1, expires_at = ? WHERE id = ?',
    ),
    settle: db.prepare<[ChordState, number | null, string]>(
      'UPDATE chords SET state = ?, expires_at = ? WHERE id = ?',
    ),
    selectValues: db
      .prepare<[string], string>('SELECT value FROM chord_members WHERE chord_id = ? ORDER BY idx')
      .pluck(),
    deleteMembers: db.prepare<[string]>('DELETE FROM chord_members WHERE chord_id = ?'),
    deleteChord: db.prepare<[string]>('DELETE FROM chords WHERE id = ?'),
    selectExpired: db
      .prepare<[number, number], string>('SELECT id FROM chords WHERE expires_at <= ? LIMIT ?')
      .pluck(),
  };
}
