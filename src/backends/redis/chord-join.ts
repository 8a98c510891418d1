import { LuaScript } from '../../brokers/redis/lua-script.ts';
import type { RedisClient } from '../../redis/redis-connection.ts';
import {
  chordSizeMismatch,
  chordTtl,
  decodeChordValue,
  encodeOutcome,
  failedJoin,
  validateChordMember,
  WAIT,
} from '../chord-rules.ts';
import type { ChordJoin, ChordMemberOutcome } from '../workflow-store.ts';

const JOIN_CHORD = new LuaScript('join-chord', new URL('./scripts/', import.meta.url));

/**
 * The chord's two keys: its state hash and its members' values hash. The braces make one hash
 * tag per chord, so both keys live in one cluster slot and one script can touch them.
 */
export function chordKeys(prefix: string, chordId: string): [state: string, values: string] {
  const base = `${prefix}:chord:{${chordId}}`;
  return [`${base}:state`, `${base}:values`];
}

/** Counts member `index` once, in one Lua script; see `WorkflowStore.joinChord`. */
export async function joinRedisChord(
  client: RedisClient,
  prefix: string,
  chordId: string,
  size: number,
  index: number,
  outcome: ChordMemberOutcome,
  ttlMs: number,
): Promise<ChordJoin> {
  validateChordMember(chordId, size, index);
  const json = encodeOutcome(outcome);
  const reply = (await JOIN_CHORD.run(client, chordKeys(prefix, chordId), [
    size,
    index,
    outcome.ok ? 'ok' : 'failed',
    json ?? '',
    chordTtl(ttlMs),
  ])) as [Buffer, ...unknown[]];
  const kind = reply[0].toString();
  if (kind === 'wait') return WAIT;
  if (kind === 'failed' && !outcome.ok) return failedJoin(index, outcome);
  if (kind === 'complete') return { kind, values: valuesInOrder(size, reply[1] as Buffer[]) };
  if (kind === 'size') throw chordSizeMismatch(chordId, size, index, Number(String(reply[1])));
  throw new Error(`join-chord answered ${kind} for chord ${chordId} member ${index}`);
}

/** Deletes both keys of the chord. */
export async function forgetRedisChord(
  client: RedisClient,
  prefix: string,
  chordId: string,
): Promise<void> {
  await client.del(...chordKeys(prefix, chordId));
}

/** The values of an HGETALL reply (index, value, index, value…) placed by member index. */
function valuesInOrder(size: number, pairs: Buffer[]): unknown[] {
  const values = new Array<unknown>(size).fill(null);
  for (let i = 0; i < pairs.length; i += 2) {
    values[Number(String(pairs[i]))] = decodeChordValue(String(pairs[i + 1]));
  }
  return values;
}
