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

/** How long the queues must stay empty before tasks still without an outcome count as lost. */
const SETTLED_MS = 2_000;

/**
 * The final drain: waits until the queues are empty and every accepted task ended or is dead,
 * or the queues stayed empty for SETTLED_MS (nothing left can run: the rest is lost). Returns
 * false on timeout; either way the checker reports what is missing.
 */
export async function drain(app: App, ledgerDir: string, queues: string[], timeoutMs: number) {
  let emptySince: number | undefined;
  return until(async () => {
    const left = await leftover(app, queues);
    if (left.ready + left.reserved + left.delayed > 0) {
      emptySince = undefined;
      return false;
    }
    emptySince ??= Date.now();
    return (await unfinished(app, ledgerDir)) === 0 || Date.now() - emptySince >= SETTLED_MS;
  }, timeoutMs);
}
