import { createApp } from '../../../src/app/app.ts';
import { Scheduler, type SchedulerOptions } from '../../../src/beat/scheduler.ts';
import { MemoryBeatStore } from '../../../src/brokers/memory/memory-beat-store.ts';
import { MemoryBroker } from '../../../src/brokers/memory/memory-broker.ts';

/** A clock tests move by hand. */
export class FakeClock {
  constructor(public ms: number) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * An app on the memory broker whose `broker.beat` is a MemoryBeatStore on a fake clock, and a
 * task `report` to schedule.
 */
export function beatApp(startMs = Date.UTC(2025, 0, 1)) {
  const clock = new FakeClock(startMs);
  const store = new MemoryBeatStore(clock.now);
  const broker = Object.assign(new MemoryBroker(), { beat: store });
  const app = createApp({ broker, logLevel: 'silent', defaultQueue: 'beat' }, {});
  const report = app.task('report', (_ctx, day?: string) => day ?? 'done');
  const scheduler = (holder: string, options: SchedulerOptions = {}) =>
    new Scheduler(app, {
      store,
      holder,
      leaseMs: 10_000,
      tickMs: 250,
      clock: clock.now,
      ...options,
    });
  return { app, clock, store, broker, report, scheduler };
}
