import { afterEach, describe, expect, it } from 'vitest';
import {
  type App,
  BadChunkResult,
  type ChunkProgress,
  createApp,
  type IdChunk,
  type IdChunkResult,
  MemoryBackend,
  MemoryBroker,
  Reject,
  type StepOutcome,
} from '../../../src/index.ts';

// Each test delivers chunk messages itself with `app.runInline`, the way a worker runs them,
// so duplicates and crashes can be staged exactly. No worker runs: sent messages stay queued.

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

interface Setup {
  app: App;
  backend: MemoryBackend;
  calls: IdChunk[];
  start(after?: number): Promise<string>;
  deliver(message: object): Promise<StepOutcome>;
}

/** An app with an id task over ids 0..total-1; `result` may replace the handler's answer. */
function setup(
  total = 25,
  result?: (chunk: IdChunk) => unknown,
  before?: () => Promise<void>,
): Setup {
  const backend = new MemoryBackend();
  const app = createApp({ broker: new MemoryBroker(), backend, logLevel: 'silent' }, {});
  apps.push(app);
  const calls: IdChunk[] = [];
  const task = app.chunkedTask(
    'mail.users',
    { cursor: 'id', chunkSize: 10, pause: '1h' },
    async (_ctx, chunk) => {
      calls.push(chunk);
      await before?.();
      if (result) return result(chunk) as IdChunkResult;
      const first = chunk.after === null ? 0 : chunk.after + 1;
      const last = Math.min(first + chunk.limit, total) - 1;
      return { processed: Math.max(0, last - first + 1), last };
    },
  );
  return {
    app,
    backend,
    calls,
    start: async (after?: number) => (await task.start({ after })).id,
    deliver: (message) => app.runInline('mail.users', [message]) as Promise<StepOutcome>,
  };
}

const key = (runId: string) => `chunked:mail.users:${runId}`;

async function queued(app: App): Promise<{ ready: number; delayed: number }> {
  const { ready, delayed } = await app.broker.stats('default');
  return { ready, delayed };
}

function progress(step: number, cursor: number, processed: number): ChunkProgress {
  return { step, cursor, processed, done: false, updatedAt: Date.now() };
}

describe('running one chunk', () => {
  it('runs from the committed cursor, commits, and sends the next chunk after the pause', async () => {
    const { app, start, deliver, calls } = setup();
    const runId = await start();
    const outcome = await deliver({ runId, step: 0, cursor: null });
    expect(outcome).toMatchObject({ runId, step: 0, outcome: 'committed', sentNext: true });
    expect(outcome.progress).toMatchObject({ step: 1, cursor: 9, processed: 10, done: false });
    expect(calls).toEqual([{ runId, step: 0, after: null, limit: 10 }]);
    // The first message (never consumed here) and the next chunk, held for the pause.
    expect(await queued(app)).toEqual({ ready: 1, delayed: 1 });
  });

  it('ends the run without a next message when the source has fewer than limit left', async () => {
    const { app, start, deliver } = setup(25);
    const runId = await start(19);
    const outcome = await deliver({ runId, step: 0, cursor: 19 });
    expect(outcome).toMatchObject({ outcome: 'committed', sentNext: false });
    expect(outcome.progress).toMatchObject({ step: 1, cursor: 24, processed: 5, done: true });
    expect(await queued(app)).toEqual({ ready: 1, delayed: 0 });
  });

  it('commits once when the same chunk is delivered twice concurrently', async () => {
    let entered = 0;
    let release!: () => void;
    const bothIn = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { app, backend, start, deliver, calls } = setup(25, undefined, async () => {
      entered += 1;
      if (entered === 2) release();
      await bothIn;
    });
    const runId = await start();
    const message = { runId, step: 0, cursor: null };
    const outcomes = await Promise.all([deliver(message), deliver(message)]);
    expect(calls).toHaveLength(2);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['committed', 'lost']);
    expect(outcomes.filter((o) => o.sentNext)).toHaveLength(1);
    expect(await backend.readProgress(key(runId))).toMatchObject({ step: 1, processed: 10 });
    expect(await queued(app)).toEqual({ ready: 1, delayed: 1 });
  });

  it('re-sends the next chunk when its chunk was committed but maybe not sent', async () => {
    const { app, backend, start, deliver, calls } = setup();
    const runId = await start();
    // A worker committed chunk 0 and died before sending chunk 1.
    await backend.commitProgress(key(runId), 0, progress(1, 9, 10), 0);
    const outcome = await deliver({ runId, step: 0, cursor: null });
    expect(outcome).toMatchObject({ outcome: 'resent', sentNext: true });
    expect(calls).toEqual([]);
    expect(await queued(app)).toEqual({ ready: 1, delayed: 1 });
    expect(await backend.readProgress(key(runId))).toMatchObject({ step: 1, processed: 10 });
  });

  it('does nothing for a duplicate of an older chunk, or of the last chunk of a done run', async () => {
    const { app, backend, start, deliver, calls } = setup();
    const runId = await start();
    await backend.commitProgress(key(runId), 0, progress(1, 9, 10), 0);
    await backend.commitProgress(key(runId), 1, progress(2, 19, 20), 0);
    expect(await deliver({ runId, step: 0, cursor: null })).toMatchObject({
      outcome: 'duplicate',
      sentNext: false,
    });
    await backend.commitProgress(key(runId), 2, { ...progress(3, 24, 25), done: true }, 0);
    expect(await deliver({ runId, step: 2, cursor: 19 })).toMatchObject({ outcome: 'duplicate' });
    expect(calls).toEqual([]);
    expect(await queued(app)).toEqual({ ready: 1, delayed: 0 });
  });

  it('rejects a chunk ahead of the committed progress', async () => {
    const { deliver, start } = setup();
    const runId = await start();
    const attempt = deliver({ runId, step: 3, cursor: 29 });
    await expect(attempt).rejects.toBeInstanceOf(Reject);
    await expect(attempt).rejects.toThrow(
      `chunked task "mail.users" run ${runId}: progress is at step 0, behind this chunk's ` +
        'step 3 (did it expire or get deleted?)',
    );
  });

  it('rejects a malformed message', async () => {
    const { deliver } = setup();
    await expect(deliver({ runId: 'r', step: -1, cursor: null })).rejects.toThrow(
      'chunked task "mail.users" got a malformed chunk message: {"runId":"r","step":-1,"cursor":null}',
    );
  });
});

describe('a handler result the run cannot advance with', () => {
  it.each([
    [undefined, 'the handler must return { processed: number, … }, got undefined'],
    [{ count: 3 }, 'the handler must return { processed: number, … }, got {"count":3}'],
    [
      { processed: '10' },
      'the handler must return { processed: number, … }, got {"processed":"10"}',
    ],
    [{ processed: -1 }, '"processed" must be a non-negative integer, got -1'],
    [{ processed: 2.5, last: 12 }, '"processed" must be a non-negative integer, got 2.5'],
    [
      { processed: 5 },
      '"last" must be an integer id greater than after (10) when processed is 5, got undefined',
    ],
    [
      { processed: 5, last: 10 },
      '"last" must be an integer id greater than after (10) when processed is 5, got 10',
    ],
    [
      { processed: 5, last: '15' },
      '"last" must be an integer id greater than after (10) when processed is 5, got "15"',
    ],
    [{ processed: 5, last: 15, done: 'yes' }, '"done" must be true or false, got "yes"'],
  ])('fails the run for %j, changing nothing', async (result, detail) => {
    const { app, backend, start, deliver } = setup(25, () => result);
    const runId = await start(10);
    const attempt = deliver({ runId, step: 0, cursor: 10 });
    await expect(attempt).rejects.toBeInstanceOf(BadChunkResult);
    await expect(attempt).rejects.toThrow(`chunked task "mail.users" step 0: ${detail}`);
    expect(await backend.readProgress(key(runId))).toMatchObject({ step: 0, cursor: 10 });
    expect(await queued(app)).toEqual({ ready: 1, delayed: 0 });
  });

  it('names an integer id, without a bound, when the run started from the beginning', async () => {
    const { start, deliver } = setup(25, () => ({ processed: 1, last: null }));
    const runId = await start();
    await expect(deliver({ runId, step: 0, cursor: null })).rejects.toThrow(
      'chunked task "mail.users" step 0: "last" must be an integer id when processed is 1, got null',
    );
  });

  it('lets the handler end a run early, or go on past a short chunk', async () => {
    const early = setup(25, () => ({ processed: 10, last: 9, done: true }));
    const earlyId = await early.start();
    expect((await early.deliver({ runId: earlyId, step: 0, cursor: null })).progress).toMatchObject(
      { done: true, step: 1 },
    );
    const onward = setup(25, () => ({ processed: 0, done: false }));
    const onwardId = await onward.start(3);
    const outcome = await onward.deliver({ runId: onwardId, step: 0, cursor: 3 });
    expect(outcome).toMatchObject({ sentNext: true });
    expect(outcome.progress).toMatchObject({ done: false, cursor: 3, processed: 0 });
  });
});
