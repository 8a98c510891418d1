import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The durable record of a chaos run. Every process appends lines to a file of its own
 * (`<role>-<pid>.log`) with appendFileSync, so a line written before a kill -9 survives it
 * (the page cache outlives the process) and processes never interleave within a line.
 *
 * A line is `<kind> <key> <pid> <epoch ms> [detail]`. Keys are chosen by the producer and
 * travel in the task's arguments, so a send is recorded before the broker assigns anything.
 */
export type LedgerKind =
  /** Producer: about to send this key. */
  | 'attempt'
  /** Producer: `delay()`/`delayMany()` resolved for this key. */
  | 'accepted'
  /** Producer: the send rejected; detail is elapsed ms and the error message. */
  | 'rejected'
  /** Worker: the handler began (detail: the retry count). */
  | 'start'
  /** Worker: the handler finished its work. */
  | 'end'
  /** Worker: a beat tick ran; the key is the tick's due time. */
  | 'tick'
  /** Worker: a chord callback ran; detail is how many values it got. */
  | 'callback';

/** One parsed ledger line. */
export interface LedgerEntry {
  kind: LedgerKind;
  key: string;
  pid: number;
  at: number;
  detail: string;
}

/** Appends entries to this process's ledger file. */
export interface LedgerWriter {
  /** Appends one line; synchronous so it is on disk (in the page cache) before the next step. */
  write(kind: LedgerKind, key: string, detail?: string | number): void;
  /** Appends one line per key in a single write (a batch of sends). */
  writeMany(kind: LedgerKind, keys: readonly string[]): void;
}

const KINDS = new Set<string>([
  'attempt',
  'accepted',
  'rejected',
  'start',
  'end',
  'tick',
  'callback',
]);

/** The ledger writer of this process, in `dir` (usually CHAOS_LEDGER_DIR). */
export function openLedger(dir: string, role: string): LedgerWriter {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${role}-${process.pid}.log`);
  const line = (kind: LedgerKind, key: string, detail = '') =>
    `${kind} ${key} ${process.pid} ${Date.now()}${detail === '' ? '' : ` ${detail}`}\n`;
  return {
    write: (kind, key, detail) => appendFileSync(file, line(kind, key, String(detail ?? ''))),
    writeMany: (kind, keys) => {
      if (keys.length > 0) appendFileSync(file, keys.map((key) => line(kind, key)).join(''));
    },
  };
}

/** Every entry of every ledger file in `dir`, and how many lines could not be parsed. */
export function readLedger(dir: string): { entries: LedgerEntry[]; torn: number } {
  const entries: LedgerEntry[] = [];
  let torn = 0;
  if (!existsSync(dir)) return { entries, torn };
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.log'))) {
    for (const text of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (text === '') continue;
      const entry = parseLine(text);
      if (entry) entries.push(entry);
      else torn++;
    }
  }
  return { entries, torn };
}

/** One line, or undefined for a line cut short (a process killed mid-write). */
export function parseLine(text: string): LedgerEntry | undefined {
  const [kind, key, pid, at, ...rest] = text.split(' ');
  if (kind === undefined || !KINDS.has(kind) || !key || !pid || !at) return undefined;
  const entry = { kind: kind as LedgerKind, key, pid: Number(pid), at: Number(at) };
  if (!Number.isInteger(entry.pid) || !Number.isFinite(entry.at)) return undefined;
  return { ...entry, detail: rest.join(' ') };
}
