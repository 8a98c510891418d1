import {
  type ChildConfig,
  type ChildMessage,
  type ChildReport,
  now,
  type ParentMessage,
  type Payload,
} from './protocol.ts';

/** Callbacks a system's worker wires to its handler and completion events. */
export interface ChildHooks {
  /** Call first thing in the handler. */
  handle(data: Payload): void;
  /** Call when the system reports a task completed (after its ack). */
  done(): void;
  /** Call when the system reports a task failed. */
  failed(reason: string): void;
}

/** A connected, not yet consuming, worker of one system. */
export interface ChildWorker {
  start(): Promise<void>;
  /** Stops gracefully and closes every connection. */
  stop(): Promise<void>;
}

/** Builds a system's worker from the config, wired to the hooks, connected but idle. */
export type ChildSetup = (config: ChildConfig, hooks: ChildHooks) => Promise<ChildWorker>;

const PROGRESS_MS = 100;

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) return reject(new Error('worker child needs an IPC channel'));
    process.send(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
  });
}

/** Runs a worker child: ready → (go) consume → (stop) final report → exit. */
export async function runWorkerChild(setup: ChildSetup): Promise<void> {
  const raw = process.env.BENCH_CHILD;
  if (!raw) throw new Error('BENCH_CHILD is not set: this script is spawned by bench/run.ts');
  const config = JSON.parse(raw) as ChildConfig;
  const seen = new Uint8Array(config.tasks);
  const marks = new Set(config.rssMarks);
  const report: ChildReport = {
    done: 0,
    handled: 0,
    duplicates: 0,
    outOfRange: 0,
    warmups: 0,
    failures: 0,
    firstFailure: undefined,
    indexSum: 0,
    startedAt: 0,
    lastDoneAt: 0,
    samples: [],
    rss: [],
  };
  const hooks: ChildHooks = {
    handle(data) {
      const at = now();
      const i = data.i;
      if (i < 0) {
        report.warmups++;
        return;
      }
      if (!(i < config.tasks)) {
        report.outOfRange++;
        return;
      }
      if (seen[i] === 1) {
        report.duplicates++;
        return;
      }
      seen[i] = 1;
      report.handled++;
      report.indexSum += i;
      const sent = data.t ?? Number.NaN;
      if (config.mode === 'latency') report.samples.push(at - sent);
      else if (config.mode === 'delay') report.samples.push(at - (sent + config.delayMs));
    },
    done() {
      report.done++;
      report.lastDoneAt = now();
      if (marks.has(report.done)) report.rss.push(process.memoryUsage.rss());
    },
    failed(reason) {
      report.failures++;
      report.firstFailure ??= reason;
    },
  };

  const worker = await setup(config, hooks);
  let progress: NodeJS.Timeout | undefined;
  let lastSent = -1;
  const fail = (error: unknown) => {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    // The parent turns this into a failed benchmark; exit non-zero even if the send fails.
    void send({ type: 'error', message }).finally(() => process.exit(1));
  };
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'go') {
      report.startedAt = now();
      worker.start().catch(fail);
      progress = setInterval(() => {
        if (report.done === lastSent) return;
        lastSent = report.done;
        send({ type: 'progress', done: report.done }).catch(fail);
      }, PROGRESS_MS);
    } else if (message.type === 'stop') {
      clearInterval(progress);
      worker
        .stop()
        .then(() => send({ type: 'final', report }))
        .then(() => process.exit(0), fail);
    }
  });
  // An orphaned child (the parent died) must not keep consuming.
  process.on('disconnect', () => process.exit(2));
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  await send({ type: 'ready' });
}
