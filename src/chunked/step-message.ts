import { Reject } from '../errors/errors.ts';

/** The one argument of every chunk's message: which run, which chunk, and where it starts. */
export interface ChunkStepMessage {
  runId: string;
  /** Chunks committed before this one. */
  step: number;
  /** Where this chunk starts: the last id of the previous chunk (or null), or an ISO time. */
  cursor: number | string | null;
  /** Time cursor only: the run's end (ISO, exclusive), fixed when the run starts. */
  end?: string;
}

/** Checks a received message; a malformed one is rejected at once (no retry can fix it). */
export function parseStepMessage(taskName: string, value: unknown): ChunkStepMessage {
  const message = value as Partial<ChunkStepMessage> | null;
  const valid =
    typeof message === 'object' &&
    message !== null &&
    typeof message.runId === 'string' &&
    Number.isSafeInteger(message.step) &&
    (message.step as number) >= 0 &&
    (message.cursor === null ||
      typeof message.cursor === 'number' ||
      typeof message.cursor === 'string') &&
    (message.end === undefined || typeof message.end === 'string');
  if (!valid) {
    throw new Reject(
      `chunked task "${taskName}" got a malformed chunk message: ${JSON.stringify(value)}`,
    );
  }
  return message as ChunkStepMessage;
}
