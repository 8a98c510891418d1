import type { StoredError } from '../backends/backend.ts';
import type { ChordJoin, ChordMemberOutcome } from '../backends/workflow-store.ts';
import type { Envelope } from '../envelope/envelope.ts';
import type { Outcome } from '../middleware/middleware.ts';
import { toStoredError } from '../middleware/middleware.ts';
import type { CanvasHost } from './canvas-host.ts';
import {
  type CanvasNode,
  type ChordFailureInfo,
  type ChordMembership,
  type TaskFailureInfo,
  validateMembership,
  validateNodes,
} from './canvas-node.ts';
import { requireChordStore } from './chord-store.ts';
import { type Passed, planSends, type Sender } from './plan-sends.ts';

/** True when a finished task has steps, callbacks or a chord to continue with. */
export function hasContinuation(envelope: Envelope): boolean {
  return (
    envelope.chain !== undefined ||
    envelope.chord !== undefined ||
    envelope.links !== undefined ||
    envelope.errbacks !== undefined
  );
}

/**
 * Sends what follows a task that ended for good: on success its links, the rest of its chain,
 * or (as the last member to finish) its chord's callback; on failure its error callbacks and its
 * chord's. Runs before the task's message is acked, so a crash here means the task runs again
 * rather than the workflow stopping.
 */
export async function continueWorkflow(
  host: CanvasHost,
  envelope: Envelope,
  outcome: Outcome,
): Promise<void> {
  if (outcome.kind === 'retry') return;
  const sender: Sender = { host, parent: envelope };
  const out: Envelope[] = [];
  if (outcome.kind === 'success') {
    await planSuccess(sender, envelope, { value: outcome.value }, out);
  } else {
    await planFailure(sender, envelope, toStoredError(outcome.error), out);
  }
  if (out.length > 0) await host.dispatch(out, envelope);
}

async function planSuccess(
  sender: Sender,
  envelope: Envelope,
  passed: Passed,
  out: Envelope[],
): Promise<void> {
  for (const link of nodes(envelope.links, 'links')) planSends(sender, link, passed, {}, out);
  const chord = envelope.chord === undefined ? undefined : validateMembership(envelope.chord);
  const rest = nodes(envelope.chain, 'chain');
  if (rest.length > 0) {
    planSends(sender, { kind: 'chain', steps: rest }, passed, { chord }, out);
    return;
  }
  if (!chord) return;
  const joined = await join(sender.host, chord, { ok: true, value: passed.value });
  if (joined.kind === 'complete') planSends(sender, chord.body, { value: joined.values }, {}, out);
}

async function planFailure(
  sender: Sender,
  envelope: Envelope,
  error: StoredError,
  out: Envelope[],
): Promise<void> {
  const info: TaskFailureInfo = { id: envelope.id, task: envelope.task, error };
  for (const errback of nodes(envelope.errbacks, 'errbacks'))
    planSends(sender, errback, { value: info }, {}, out);
  if (envelope.chord === undefined) return;
  const chord = validateMembership(envelope.chord);
  const joined = await join(sender.host, chord, { ok: false, taskId: envelope.id, error });
  if (joined.kind !== 'failed') return;
  const chordInfo: ChordFailureInfo = { ...info, chordId: chord.id, index: chord.index };
  for (const errback of chord.linkError ?? [])
    planSends(sender, errback, { value: chordInfo }, {}, out);
}

function join(
  host: CanvasHost,
  chord: ChordMembership,
  outcome: ChordMemberOutcome,
): Promise<ChordJoin> {
  const store = requireChordStore(host);
  return store.joinChord(chord.id, chord.size, chord.index, outcome, host.resultTtlMs());
}

function nodes(value: unknown, field: string): CanvasNode[] {
  return value === undefined ? [] : validateNodes(value, field);
}
