import type { QueueAdmin, QueueStats, WorkerRegistry } from '../brokers/contract/index.ts';
import type { WorkerInfo } from '../brokers/contract/worker-registry.ts';

/** What the broker said at one scrape. */
export interface ClusterSnapshot {
  /** Counts by state per queue; empty when the broker could not be read. */
  queues: QueueStats[];
  /** The live workers; absent when the broker keeps no worker registry or could not be read. */
  workers?: WorkerInfo[];
  /** Why a broker call failed; absent when every call answered. */
  error?: string;
}

/** Reads queue depths and live workers, each call bounded by `timeoutMs`; never rejects. */
export async function readCluster(
  broker: QueueAdmin,
  registry: WorkerRegistry | undefined,
  timeoutMs: number,
): Promise<ClusterSnapshot> {
  const [queues, workers] = await Promise.allSettled([
    withTimeout(readQueues(broker), timeoutMs, 'reading queue depths'),
    registry ? withTimeout(registry.list(), timeoutMs, 'listing workers') : undefined,
  ]);
  const snapshot: ClusterSnapshot = { queues: [] };
  const errors: string[] = [];
  if (queues.status === 'fulfilled') snapshot.queues = queues.value;
  else errors.push(messageOf(queues.reason));
  if (workers.status === 'fulfilled') snapshot.workers = workers.value?.filter(isWorkerInfo);
  else errors.push(messageOf(workers.reason));
  if (errors.length > 0) snapshot.error = errors.join('; ');
  return snapshot;
}

async function readQueues(broker: QueueAdmin): Promise<QueueStats[]> {
  const names = await broker.queues();
  return Promise.all(names.map((name) => broker.stats(name)));
}

/** Records of the shape the gauges read; another process wrote them, maybe another version. */
function isWorkerInfo(info: WorkerInfo): boolean {
  return (
    typeof info === 'object' &&
    info !== null &&
    typeof info.name === 'string' &&
    Array.isArray(info.queues) &&
    info.queues.every((queue) => typeof queue === 'string') &&
    Number.isFinite(info.active) &&
    Number.isFinite(info.concurrency)
  );
}

/** `promise`, or a rejection naming `what` once `ms` pass: a hung broker must not hang scrapes. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
