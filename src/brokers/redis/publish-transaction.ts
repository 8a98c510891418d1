import type { Redis } from 'ioredis';
import { SCRIPTS } from './lua-script.ts';

/** One queue's part of an enqueue(): the KEYS and ARGV of its publish.lua call. */
export interface PublishCall {
  queue: string;
  keys: string[];
  args: Array<string | number | Buffer>;
}

/**
 * Stores the parts of several queues in one MULTI/EXEC on a single Redis, so that a reader sees
 * the whole enqueue() or none of it, and a connection lost before EXEC stores nothing.
 */
export async function publishTransaction(client: Redis, calls: PublishCall[]): Promise<void> {
  const transaction = client.multi();
  for (const call of calls) SCRIPTS.publish.queueIn(transaction, call.keys, call.args);
  const replies = await transaction.exec().catch((error: unknown) => {
    throw discarded(error);
  });
  // exec() answers null only when a WATCHed key changed, and nothing here WATCHes.
  if (!replies) throw new Error('Redis discarded the publish transaction');
  checkReplies(
    calls,
    replies.map(([error]) => error),
  );
}

/**
 * A command refused while queued (OOM is checked for each one) makes EXEC discard the whole
 * transaction; its EXECABORT says only that, so the refusal that caused it is named instead.
 */
function discarded(error: unknown): unknown {
  const causes = (error as { previousErrors?: Error[] }).previousErrors;
  const first = causes?.[0];
  if (!first) return error;
  return new Error(`Redis discarded the publish transaction, storing nothing: ${first.message}`, {
    cause: error,
  });
}

/**
 * EXEC runs every command even when one fails. A refusal that hits every part (an OOM, a
 * read-only replica) stored nothing, so the batch just failed; should only some parts fail,
 * the error names the queues that were stored, as sending the batch again would repeat them.
 */
function checkReplies(calls: PublishCall[], errors: Array<Error | null>): void {
  const first = errors.find((error) => error);
  if (!first) return;
  if (errors.every((error) => error)) throw first;
  const stored = calls.filter((_, i) => !errors[i]).map((call) => call.queue);
  const refused = calls.filter((_, i) => errors[i]).map((call) => call.queue);
  throw new Error(
    `Redis stored this batch's messages for ${stored.join(', ')} but refused those for ${refused.join(', ')}: ${first.message}; sending the whole batch again would store the former twice`,
    { cause: first },
  );
}
