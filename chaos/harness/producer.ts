import type { App } from '../../src/index.ts';
import type { LedgerWriter } from './ledger.ts';

/** What a batch sends: the task, its queue, and each key's arguments after the key. */
export interface BatchSpec {
  task: string;
  queue: string;
  args: (key: string, seq: number) => unknown[];
}

/**
 * Sends tasks whose first argument is a key of its own, recording each key as attempted before
 * the send and as accepted once the broker acknowledged it: the checker's view of the producer.
 */
export class LedgerProducer {
  #seq = 0;

  constructor(
    private readonly app: App,
    private readonly ledger: LedgerWriter,
    private readonly prefix: string,
  ) {}

  /** Sends `count` tasks in one atomic broker call; resolves with their keys once accepted. */
  async sendBatch(spec: BatchSpec, count: number): Promise<string[]> {
    const seqs = Array.from({ length: count }, () => this.#seq++);
    const keys = seqs.map((seq) => `${this.prefix}-${seq}`);
    this.ledger.writeMany('attempt', keys);
    const argsList = keys.map((key, i) => [key, ...spec.args(key, seqs[i] ?? 0)]);
    await this.app.sendMany(spec.task, argsList, { queue: spec.queue });
    this.ledger.writeMany('accepted', keys);
    return keys;
  }

  /** Sends one task; records it accepted, or rejected with the elapsed ms and the error. */
  async sendOne(spec: BatchSpec): Promise<{ key: string; error?: Error; elapsedMs: number }> {
    const seq = this.#seq++;
    const key = `${this.prefix}-${seq}`;
    this.ledger.write('attempt', key);
    const started = Date.now();
    try {
      await this.app.sendTask(spec.task, [key, ...spec.args(key, seq)], { queue: spec.queue });
      this.ledger.write('accepted', key);
      return { key, elapsedMs: Date.now() - started };
    } catch (error) {
      const elapsedMs = Date.now() - started;
      const message = error instanceof Error ? error.message : String(error);
      this.ledger.write('rejected', key, `${elapsedMs} ${message.replaceAll('\n', ' ')}`);
      return { key, error: error instanceof Error ? error : new Error(message), elapsedMs };
    }
  }
}

/** A producer that keeps sending batches until stopped: load during faults. */
export interface Load {
  /** Stops after the batch in progress; resolves with how many batches failed to send. */
  stop(): Promise<number>;
  /** The last send error, for a scenario that waits in vain for runs to say why. */
  lastError(): string | undefined;
}

/** Sends a batch of `size` every `everyMs` until stopped; a failed send is counted, not thrown. */
export function startLoad(
  producer: LedgerProducer,
  spec: BatchSpec,
  size: number,
  everyMs: number,
): Load {
  let stopped = false;
  let failures = 0;
  let last: string | undefined;
  const loop = (async () => {
    while (!stopped) {
      await producer.sendBatch(spec, size).catch((error: unknown) => {
        failures++;
        last = error instanceof Error ? error.message : String(error);
      });
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    lastError: () => last,
    async stop() {
      stopped = true;
      await loop;
      return failures;
    },
  };
}
