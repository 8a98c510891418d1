import { describe, expect, it } from 'vitest';
import { QueueWakeup } from '../../src/brokers/queue-wakeup.ts';

describe('QueueWakeup', () => {
  it('ends a wait when its queue is notified', async () => {
    const wakeup = new QueueWakeup();
    let woke = false;
    const waiting = wakeup.wait('s', ['a'], 60_000, []).then(() => {
      woke = true;
    });
    wakeup.notify('s', ['b']);
    await Promise.resolve();
    expect(woke).toBe(false);
    wakeup.notify('s', ['a']);
    await waiting;
    expect(woke).toBe(true);
  });

  it('returns at once from a wait whose mark a notification has passed', async () => {
    const wakeup = new QueueWakeup();
    const mark = wakeup.mark('s', ['a', 'b']);
    // The wake-up arrives while the caller is not yet waiting (its reserve is in flight).
    wakeup.notify('s', ['b']);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 60_000);
    let returned = false;
    await wakeup.wait('s', ['a', 'b'], 60_000, [controller.signal], mark).then(() => {
      returned = true;
    });
    clearTimeout(timer);
    expect(returned).toBe(true);
    expect(controller.signal.aborted).toBe(false);
    expect(wakeup.mark('s', ['a', 'b'])).toBe(mark + 1);
  });

  it('wakes every waiter on the queue, and a wait on two queues once', async () => {
    const wakeup = new QueueWakeup();
    const woke: string[] = [];
    const first = wakeup.wait('s', ['a'], 60_000, []).then(() => woke.push('first'));
    const both = wakeup.wait('s', ['a', 'b'], 60_000, []).then(() => woke.push('both'));
    wakeup.notify('s', ['b', 'a']);
    await Promise.all([first, both]);
    expect(woke.sort()).toEqual(['both', 'first']);
    // The woken waits left nothing behind: a later wait sleeps until its own notification.
    let later = false;
    const next = wakeup.wait('s', ['a'], 60_000, []).then(() => {
      later = true;
    });
    await Promise.resolve();
    expect(later).toBe(false);
    wakeup.notify('s', ['a']);
    await next;
    expect(later).toBe(true);
  });

  it('ends a wait when one of its signals aborts, and at once when one already has', async () => {
    const wakeup = new QueueWakeup();
    const controller = new AbortController();
    const waiting = wakeup.wait('s', ['a'], 60_000, [undefined, controller.signal]);
    controller.abort();
    await waiting;
    await wakeup.wait('s', ['a'], 60_000, [controller.signal]);
    expect(wakeup.mark('s', ['a'])).toBe(0);
  });

  it('ends a wait at its timeout when nothing is notified', async () => {
    const wakeup = new QueueWakeup();
    await wakeup.wait('s', ['a'], 5, []);
    expect(wakeup.mark('s', ['a'])).toBe(0);
  });
});
