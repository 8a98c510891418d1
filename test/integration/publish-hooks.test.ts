import { describe, expect, it } from 'vitest';
import { chain, type Envelope, group } from '../../src/index.ts';
import { counts, harness } from './harness.ts';

/** What a hook saw: the task, and the id of the task whose end sent it, if any. */
interface Seen {
  task: string;
  id: string;
  parent: string | undefined;
}

describe('app.onPublish on the memory broker', () => {
  const h = harness('memory');

  /** An app whose hook records every envelope and stamps a header on it. */
  const recordingApp = () => {
    const app = h.app();
    const seen: Seen[] = [];
    const ended: (string | undefined)[] = [];
    app.onPublish((envelope: Envelope, { parent }) => {
      seen.push({ task: envelope.task, id: envelope.id, parent: parent?.id });
      envelope.headers = { ...envelope.headers, stamped: envelope.id };
      return (error) => ended.push(error?.message);
    });
    return { app, seen, ended };
  };

  it('sees each envelope of a send, a sendMany and a workflow once, before encoding', async () => {
    const { app, seen, ended } = recordingApp();
    const headers: unknown[] = [];
    const add = app.task('add', (ctx, a: number, b: number) => {
      headers.push(ctx.headers.stamped === ctx.id);
      return a + b;
    });
    await h.worker(app);
    expect(await (await add.delay(1, 2)).get({ timeout: '10s' })).toBe(3);
    const many = await add.delayMany(
      [
        [1, 1],
        [2, 2],
      ],
      { headers: { shared: true } },
    );
    await Promise.all(many.map((result) => result.get({ timeout: '10s' })));
    const results = await group([add.s(5, 5), add.s(6, 6)]).applyAsync();
    expect(await results.get({ timeout: '10s' })).toEqual([10, 12]);
    expect(seen.map((s) => s.task)).toEqual(['add', 'add', 'add', 'add', 'add']);
    expect(new Set(seen.map((s) => s.id)).size).toBe(5);
    expect(seen.every((s) => s.parent === undefined)).toBe(true);
    expect(ended).toEqual([undefined, undefined, undefined, undefined, undefined]);
    // The stamp travelled in the message: the hook ran before the envelope was encoded.
    expect(headers).toEqual([true, true, true, true, true]);
  });

  it("passes a workflow step sent by a worker the finished task's envelope as its parent", async () => {
    const { app, seen } = recordingApp();
    const add = app.task('add', (_ctx, a: number, b: number) => a + b);
    await h.worker(app);
    const result = await chain(add.s(1, 2), add.s(10)).applyAsync();
    expect(await result.get({ timeout: '10s' })).toBe(13);
    const [first, second] = seen;
    expect(seen).toHaveLength(2);
    expect(first?.parent).toBeUndefined();
    expect(second?.parent).toBe(first?.id);
  });

  it('sees the sends of unique tasks, the duplicates included', async () => {
    const { app, seen, ended } = recordingApp();
    const report = app.task(
      'report',
      { unique: { key: (day: string) => day, ttl: '1h' } },
      (_ctx, day: string) => day,
    );
    const first = await report.delay('monday');
    const duplicate = await report.delay('monday');
    expect(duplicate.id).toBe(first.id);
    expect(seen.map((s) => s.task)).toEqual(['report', 'report']);
    expect(ended).toEqual([undefined, undefined]);
    expect(await counts(app)).toMatchObject({ ready: 1 });
  });

  it('rejects the send, storing nothing, when a hook throws', async () => {
    const app = h.app();
    const ended: (string | undefined)[] = [];
    app.onPublish(() => (error) => ended.push(error?.message));
    app.onPublish((envelope) => {
      if (envelope.args[0] === 'bad') throw new Error('no headers for you');
    });
    const echo = app.task('echo', (_ctx, text: string) => text);
    await expect(echo.delayMany([['good'], ['bad']])).rejects.toThrow(
      /^a publish hook failed on task "echo" \(id [0-9a-f-]+\), so it was not sent: no headers for you$/,
    );
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 0 });
    expect(ended).toEqual([
      expect.stringMatching(/^a publish hook failed/),
      expect.stringMatching(/^a publish hook failed/),
    ]);
  });

  it("tells the hook's done function when the broker call fails", async () => {
    const app = h.app({ maxPayloadBytes: 1000 });
    const ended: (string | undefined)[] = [];
    app.onPublish(() => (error) => ended.push(error?.name));
    const echo = app.task('echo', (_ctx, text: string) => text);
    await expect(echo.delay('x'.repeat(2000))).rejects.toThrow('maxPayloadBytes');
    expect(ended).toEqual(['PayloadTooLarge']);
  });

  it('stops calling a removed hook, and refuses what is not a function', async () => {
    const app = h.app();
    let calls = 0;
    const remove = app.onPublish(() => {
      calls += 1;
    });
    const echo = app.task('echo', (_ctx, text: string) => text);
    await echo.delay('a');
    remove();
    await echo.delay('b');
    expect(calls).toBe(1);
    expect(() => app.onPublish('hook' as never)).toThrow('onPublish needs a function, got string');
  });
});
