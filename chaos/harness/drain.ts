import { setTimeout as sleep } from 'node:timers/promises';
import type { App } from '../../src/index.ts';
import type { Leftover } from './checker.ts';
import { readLedger } from './ledger.ts';

const POLL_MS = 100;

/** Polls `check` until it is true; false (not an error) once `timeoutMs` passed. */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

/** Like `until`, but a timeout is an error naming what did not happen. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
) {
  if (!(await until(check, timeoutMs)))
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Ready, reserved and delayed messages of `queues`, summed. */
export async function leftover(app: App, queues: string[]): Promise<Leftover> {
  const total = { ready: 0, reserved: 0, delayed: 0 };
  for (const queue of queues) {
    const s = await app.broker.stats(queue);
    total.ready += s.ready;
    total.reserved += s.reserved;
    total.delayed += s.delayed;
  }
  return total;
}

/** The task key (first argument) of a dead letter's body, or its message id if unreadable. */
function keyOf(body: Uint8Array, id: string): string {
  try {
    const decoded = JSON.parse(Buffer.from(body).toString('utf8')) as { args?: unknown[] };
    const key = decoded.args?.[0];
    return typeof key === 'string' ? key : `id:${id}`;
  } catch {
    return `id:${id}`;
  }
}

/** Every dead letter, by task key, with its reason. */
export async function deadByKey(app: App): Promise<Map<string, string>> {
  const dead = new Map<string, string>();
  for (let offset = 0; ; offset += 500) {
    const page = await app.broker.listDeadLetters({ limit: 500, offset });
    for (const letter of page) dead.set(keyOf(letter.body, letter.id), letter.reason);
    if (page.length < 500) return dead;
  }
}

/** Keys the producer's ledger accepted that have no `end` yet and are not dead letters. */
async function unfinished(app: App, ledgerDir: string): Promise<number> {
  const { entries } = readLedger(ledgerDir);
  const ended = new Set(entries.filter((e) => e.kind === 'end').map((e) => e.key));
  const pending = entries.filter((e) => e.kind === 'accepted' && !ended.has(e.key));
  if (pending.length === 0) return 0;
  const dead = await deadByKey(app);
  return pending.filter((e) => !dead.has(e.key)).length;
}

/**
 * The final drain: waits until every accepted task ended or is dead, and the queues are
 * empty. Returns whether it got there; on false the checker reports what is missing.
 */
export async function drain(app: App, ledgerDir: string, queues: string[], timeoutMs: number) {
  return until(async () => {
    if ((await unfinished(app, ledgerDir)) > 0) return false;
    const left = await leftover(app, queues);
    return left.ready + left.reserved + left.delayed === 0;
  }, timeoutMs);
}
