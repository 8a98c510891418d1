import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type App,
  type ChunkProgress,
  type IdChunk,
  type IdChunkResult,
  SqliteBackend,
  type StepOutcome,
  type TaskContext,
  type TimeChunk,
} from '../../src/index.ts';
import { idAt, SparseIds } from './fixtures/sparse-ids.ts';
import { counts, events, gate, harness, once } from './harness.ts';

/** A SQLite backend that keeps every successful progress commit, in order. */
class CommitLog extends SqliteBackend {
  readonly commits: ChunkProgress[] = [];
  override async commitProgress(
    key: string,
    fromStep: number,
    next: ChunkProgress,
    ttlMs: number,
  ): Promise<boolean> {
    const won = await super.commitProgress(key, fromStep, next, ttlMs);
    if (won) this.commits.push(next);
    return won;
  }
}

/** Registers the mailer over `source` on `app`, as each worker process would. */
function defineMailer(
  app: App,
  source: SparseIds,
  options: { chunkSize: number; pause?: string | number },
  hook?: (ctx: TaskContext, chunk: IdChunk) => Promise<IdChunkResult | undefined>,
) {
  return app.chunkedTask(
    'mail.users',
    { cursor: 'id', chunkSize: options.chunkSize, pause: options.pause ?? 0 },
    async (ctx, chunk) => (await hook?.(ctx, chunk)) ?? source.process(chunk.after, chunk.limit),
  );
}

/**
 * Each chunk was committed once, in order, and each commit moved the cursor on (the last,
 * empty chunk may keep it). `start()`'s own step-0 record is left out.
 */
function expectStrictlyAdvancing(all: ChunkProgress[], finalStep: number): void {
  const commits = all.filter((c) => c.step > 0);
  expect(all.filter((c) => c.step === 0)).toHaveLength(1);
  expect(commits.map((c) => c.step)).toEqual(Array.from({ length: finalStep }, (_, i) => i + 1));
  const cursors = commits.map((c) => c.cursor as number);
  for (let i = 1; i < cursors.length; i++) {
    expect(cursors[i]).toBeGreaterThanOrEqual(cursors[i - 1] as number);
  }
  expect(new Set(cursors.slice(0, -1)).size).toBe(cursors.length - 1);
}

describe('chunked tasks on the SQLite broker and backend', () => {
  const h = harness('sqlite');
  const commitLog = () => new CommitLog({ path: join(h.tempDir(), 'results.db') });

  it('walks 2,000,000 sparse ids once each with flat memory', { timeout: 120_000 }, async () => {
    const total = 2_000_000;
    const chunkSize = 10_000;
    const source = new SparseIds(total);
    const rss: number[] = [];
    const app = h.app();
    const mailer = defineMailer(app, source, { chunkSize }, async (_ctx, chunk) => {
      if (chunk.step % 10 === 0) rss.push(process.memoryUsage().rss);
      return undefined;
    });
    await h.worker(app, { concurrency: 1 });
    const run = await mailer.start();
    const final = await run.wait({ timeout: '100s', interval: 20 });
    // 200 full chunks, then one empty chunk that finds the source exhausted.
    expect(final).toMatchObject({
      step: 201,
      processed: total,
      done: true,
      cursor: idAt(total - 1),
    });
    expect(source.distinct).toBe(total);
    expect(source.duplicates).toBe(0);
    expect(source.missing()).toBe(0);
    const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
    const early = Math.max(...rss.slice(0, 5));
    const later = Math.max(...rss.slice(5));
    console.info(
      `chunked 2M ids: rss samples (MB) ${rss.map(mb).join(' ')}; early max ${mb(early)}, later max ${mb(later)}`,
    );
    expect(rss).toHaveLength(21);
    expect(later).toBeLessThanOrEqual(early + 64 * 2 ** 20);
  });

  it('resumes from the last committed cursor after a worker dies mid-chunk', async () => {
    const source = new SparseIds(50_000);
    const backend = commitLog();
    const first = h.app({ backend });
    const stuck = gate();
    const define = (app: App, crashAt?: number) =>
      defineMailer(app, source, { chunkSize: 1_000 }, async (ctx, chunk) => {
        if (chunk.step !== crashAt) return undefined;
        // Half the chunk is done when the worker goes away; the rest never happens.
        source.process(chunk.after, chunk.limit, 500);
        stuck.open();
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        throw ctx.signal.reason;
      });
    const mailer = define(first, 20);
    const dying = await h.worker(first);
    const run = await mailer.start();
    await stuck.promise;
    await dying.stopNow();
    expect(await mailer.progress(run.id)).toMatchObject({
      step: 20,
      processed: 20_000,
      done: false,
    });

    const second = h.sibling(first);
    define(second);
    await h.worker(second);
    const final = await run.wait({ timeout: '30s', interval: 20 });
    expect(final).toMatchObject({ step: 51, processed: 50_000, done: true });
    expect(source.missing()).toBe(0);
    // At least once: only the ids of the interrupted half chunk were processed twice.
    expect(source.duplicates).toBe(500);
    expectStrictlyAdvancing(backend.commits, 51);
  });

  it('commits a chunk delivered twice concurrently once, and the run goes on once', async () => {
    const source = new SparseIds(3_000);
    const backend = commitLog();
    const app = h.app({ backend });
    const bothIn = gate();
    let entered = 0;
    const mailer = defineMailer(app, source, { chunkSize: 1_000 }, async (_ctx, chunk) => {
      if (chunk.step !== 0) return undefined;
      entered += 1;
      if (entered === 2) bothIn.open();
      await bothIn.promise;
      return undefined;
    });
    const run = await mailer.start();
    // The same first chunk again, as a broker redelivering it would hand it out.
    await app.sendTask('mail.users', [{ runId: run.id, step: 0, cursor: null }]);
    const worker = await h.worker(app, { concurrency: 2 });
    const final = await run.wait({ timeout: '30s', interval: 20 });
    expect(final).toMatchObject({ step: 4, processed: 3_000, done: true });
    expect(entered).toBe(2);
    expect(source.duplicates).toBe(1_000);
    expectStrictlyAdvancing(backend.commits, 4);
    await worker.stop();
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
  });

  it('does not re-send the next chunk when a redelivered chunk finds it was sent', async () => {
    const source = new SparseIds(3_000);
    const app = h.app();
    const mailer = defineMailer(app, source, { chunkSize: 1_000, pause: '1h' });
    const worker = await h.worker(app);
    const succeeded = events(worker, 'task:succeeded', 2);
    const run = await mailer.start();
    await once(worker, 'task:succeeded');
    await app.sendTask('mail.users', [{ runId: run.id, step: 0, cursor: null }], {
      id: `${run.id}:0`,
    });
    await succeeded;
    await worker.stop();
    const record = await app.asyncResult<StepOutcome>(`${run.id}:0`).get({ timeout: '10s' });
    expect(record).toMatchObject({ outcome: 'duplicate', sentNext: false });
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 1, dead: 0 });
    expect(await run.progress()).toMatchObject({ step: 1, processed: 1_000, done: false });
  });

  it('reports progress while running and after done', async () => {
    const source = new SparseIds(2_500);
    const app = h.app();
    const atStep2 = gate();
    const resume = gate();
    const mailer = defineMailer(app, source, { chunkSize: 1_000 }, async (_ctx, chunk) => {
      if (chunk.step !== 2) return undefined;
      atStep2.open();
      await resume.promise;
      return undefined;
    });
    await h.worker(app);
    const run = await mailer.start();
    await atStep2.promise;
    const running = await run.progress();
    expect(running).toMatchObject({ step: 2, processed: 2_000, done: false, cursor: idAt(1_999) });
    expect(running?.updatedAt).toBeInstanceOf(Date);
    resume.open();
    const final = await run.wait({ timeout: '30s', interval: 20 });
    expect(final).toMatchObject({ step: 3, processed: 2_500, done: true, cursor: idAt(2_499) });
    expect(await mailer.progress(run.id)).toEqual(final);
    expect(await app.chunkProgress(run.key)).toEqual({
      step: 3,
      cursor: idAt(2_499),
      processed: 2_500,
      done: true,
      updatedAt: final.updatedAt.getTime(),
    });
  });

  it('covers a time range exactly with half-open chunks of a fixed step', async () => {
    const app = h.app();
    const chunks: Array<[string, string]> = [];
    const report = app.chunkedTask(
      'report.hours',
      { cursor: 'time', start: new Date('2024-03-01T00:00:00.000Z'), step: '5h', pause: '10ms' },
      async (_ctx, chunk: TimeChunk) => {
        chunks.push([chunk.from.toISOString(), chunk.to.toISOString()]);
        // One item per minute in [from, to): a half-open range counts each minute once.
        return { processed: (chunk.to.getTime() - chunk.from.getTime()) / 60_000 };
      },
    );
    await h.worker(app);
    const run = await report.start({ end: new Date('2024-03-02T00:00:00.000Z') });
    const final = await run.wait({ timeout: '30s', interval: 20 });
    expect(chunks).toEqual([
      ['2024-03-01T00:00:00.000Z', '2024-03-01T05:00:00.000Z'],
      ['2024-03-01T05:00:00.000Z', '2024-03-01T10:00:00.000Z'],
      ['2024-03-01T10:00:00.000Z', '2024-03-01T15:00:00.000Z'],
      ['2024-03-01T15:00:00.000Z', '2024-03-01T20:00:00.000Z'],
      ['2024-03-01T20:00:00.000Z', '2024-03-02T00:00:00.000Z'],
    ]);
    expect(final).toMatchObject({ step: 5, processed: 24 * 60, done: true });
    expect(final.cursor).toEqual(new Date('2024-03-02T00:00:00.000Z'));
  });

  it('fails a run whose handler returns a bad result, and the worker goes on', async () => {
    const app = h.app();
    const broken = app.chunkedTask(
      'broken.ids',
      { cursor: 'id', chunkSize: 10, pause: 0, retry: { max: 0 } },
      async () => ({ processed: 'ten' }) as never,
    );
    const fine = app.task('fine', () => 'ok');
    const worker = await h.worker(app);
    const failed = once(worker, 'task:failed');
    const run = await broken.start();
    expect((await failed).error.message).toBe(
      'chunked task "broken.ids" step 0: the handler must return { processed: number, … }, got {"processed":"ten"}',
    );
    expect(await (await fine.delay()).get({ timeout: '10s' })).toBe('ok');
    expect(await run.progress()).toMatchObject({ step: 0, processed: 0, done: false });
  });
});
