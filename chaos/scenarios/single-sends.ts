import type { BatchSpec, LedgerProducer } from '../harness/producer.ts';

/** A producer sending one task at a time, keeping what each rejected send said. */
export interface SingleSends {
  /** Stops after the send in progress; resolves with the rejections' messages. */
  stop(): Promise<string[]>;
}

/**
 * Sends one task every `everyMs` until stopped: under a storage fault each `delay()` must
 * either resolve or reject with its own error, so every send is judged on its own.
 */
export function startSingleSends(producer: LedgerProducer, spec: BatchSpec, everyMs: number) {
  let stopped = false;
  const rejections: string[] = [];
  const loop = (async () => {
    while (!stopped) {
      const { error } = await producer.sendOne(spec);
      if (error) rejections.push(error.message);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  const sends: SingleSends = {
    async stop() {
      stopped = true;
      await loop;
      return rejections;
    },
  };
  return sends;
}

/** A violation when a rejection does not say which file failed (`broker.db`), else none. */
export function unclearRejections(rejections: string[], fileName: string): string[] {
  const unclear = rejections.filter((message) => !message.includes(fileName));
  if (unclear.length === 0) return [];
  const sample = [...new Set(unclear)].slice(0, 3).join(' | ');
  return [
    `${unclear.length} of ${rejections.length} rejected sends do not name ${fileName}: ${sample}`,
  ];
}
