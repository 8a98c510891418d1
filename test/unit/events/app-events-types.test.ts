import { describe, expectTypeOf, it } from 'vitest';
import { type ClusterEvent, createApp } from '../../../src/index.ts';

describe('app.events.on types', () => {
  const app = createApp({ broker: 'memory://', logLevel: 'silent' });

  it('gives a task event listener the task event of that type', () => {
    app.events.on('task:failed', (event) => {
      expectTypeOf(event.type).toEqualTypeOf<'task:failed'>();
      expectTypeOf(event.task).toEqualTypeOf<string>();
      expectTypeOf(event.runtimeMs).toEqualTypeOf<number | undefined>();
    });
  });

  it('gives a worker event listener the worker event of that type', () => {
    app.events.on('worker:heartbeat', (event) => {
      expectTypeOf(event.type).toEqualTypeOf<'worker:heartbeat'>();
      expectTypeOf(event.queues).toEqualTypeOf<string[]>();
      // @ts-expect-error a worker event names no task
      void event.task;
    });
  });

  it('gives * every event, and refuses an unknown type', () => {
    app.events.on('*', (event) => expectTypeOf(event).toEqualTypeOf<ClusterEvent>());
    // @ts-expect-error not an event type
    app.events.on('task:exploded', () => {});
  });
});
