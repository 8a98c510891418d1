import { describe, expect, it } from 'vitest';
import { InlineExecutor } from '../../../src/executors/inline/inline-executor.ts';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('InlineExecutor', () => {
  it.each([0, -1, 1.5, Number.NaN])('refuses size %s', (size) => {
    expect(() => new InlineExecutor(size)).toThrow(
      `pool size must be a positive integer, got ${size}`,
    );
  });

  it('counts the jobs that run and frees a slot when one settles', async () => {
    const pool = new InlineExecutor(2);
    const a = deferred<string>();
    const b = deferred<string>();
    const ra = pool.run(() => a.promise);
    const rb = pool.run(() => b.promise);
    expect(pool.active).toBe(2);
    expect(pool.size).toBe(2);
    a.resolve('a');
    expect(await ra).toBe('a');
    expect(pool.active).toBe(1);
    b.reject(new Error('b failed'));
    await expect(rb).rejects.toThrow('b failed');
    expect(pool.active).toBe(0);
  });

  it('waits for a free slot', async () => {
    const pool = new InlineExecutor(1);
    const job = deferred();
    const running = pool.run(() => job.promise);
    let woke = false;
    const waiting = pool.waitForSlot(new AbortController().signal).then(() => {
      woke = true;
    });
    await Promise.resolve();
    expect(woke).toBe(false);
    job.resolve();
    await running;
    await waiting;
    expect(woke).toBe(true);
  });

  it('stops waiting for a slot when the signal aborts', async () => {
    const pool = new InlineExecutor(1);
    const job = deferred();
    void pool.run(() => job.promise);
    const controller = new AbortController();
    const waiting = pool.waitForSlot(controller.signal);
    controller.abort();
    await waiting;
    expect(pool.active).toBe(1);
    await pool.waitForSlot(AbortSignal.abort());
    job.resolve();
  });

  it('drains at once when idle', async () => {
    expect(await new InlineExecutor(1).drain(60_000)).toBe(true);
  });

  it('drains once every job finished', async () => {
    const pool = new InlineExecutor(3);
    const jobs = [deferred(), deferred(), deferred()];
    for (const job of jobs) void pool.run(() => job.promise);
    const drained = pool.drain(60_000);
    for (const job of jobs) job.resolve();
    expect(await drained).toBe(true);
    expect(pool.active).toBe(0);
  });

  it('gives up draining at the timeout', async () => {
    const pool = new InlineExecutor(1);
    const job = deferred();
    void pool.run(() => job.promise);
    expect(await pool.drain(20)).toBe(false);
    expect(pool.active).toBe(1);
    job.resolve();
  });

  it('gives up draining when the signal aborts', async () => {
    const pool = new InlineExecutor(1);
    const job = deferred();
    void pool.run(() => job.promise);
    const controller = new AbortController();
    const drained = pool.drain(60_000, controller.signal);
    controller.abort();
    expect(await drained).toBe(false);
    job.resolve();
  });

  it('gives up draining at once when the signal is already aborted', async () => {
    const pool = new InlineExecutor(1);
    const job = deferred();
    void pool.run(() => job.promise);
    const drained = pool.drain(60_000, AbortSignal.abort());
    const raced = await Promise.race([
      drained,
      new Promise((resolve) => setTimeout(resolve, 1000, 'still waiting')),
    ]);
    expect(raced).toBe(false);
    job.resolve();
  });

  it('keeps waiting slots and drains apart', async () => {
    const pool = new InlineExecutor(1);
    const job = deferred();
    void pool.run(() => job.promise);
    const drained = pool.drain(60_000);
    const slot = pool.waitForSlot(new AbortController().signal);
    job.resolve();
    await slot;
    expect(await drained).toBe(true);
  });
});
