import { type App, createApp, type Task } from '../../src/index.ts';
import type { Payload } from '../child/protocol.ts';

/** The benchmark's Celeriac app and its one task, the same in producer and worker. */
export interface BenchApp {
  app: App;
  noop: Task<[Payload], void>;
}

/** Builds the app on `prefix` with results ignored; `onHandle` is the whole handler body. */
export function createBenchApp(
  redisUrl: string,
  prefix: string,
  queue: string,
  onHandle: (data: Payload) => void = () => {},
): BenchApp {
  const app = createApp(
    {
      broker: `${redisUrl}?prefix=${encodeURIComponent(prefix)}`,
      logLevel: 'silent',
      defaultQueue: queue,
      ignoreResult: true,
    },
    // The benchmark compares defaults: no CELERIAC_* variable of the shell may change them.
    {},
  );
  const noop = app.task('bench.noop', (_ctx, data: Payload) => onHandle(data));
  return { app, noop };
}
