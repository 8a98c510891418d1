import { describe, expect, it } from 'vitest';
import { BROKERS, counts, events, harness } from './harness.ts';

describe.each(BROKERS)('routing on the %s broker', (kind) => {
  const h = harness(kind);

  it('sends emails.* to the emails queue; a worker on it gets only those', async () => {
    const app = h.app({ routes: { 'emails.*': 'emails' } });
    const ran: string[] = [];
    const send = app.task('emails.send', (ctx, to: string) => {
      ran.push(`${ctx.queue}:${to}`);
    });
    const welcome = app.task('emails.welcome', (ctx, to: string) => {
      ran.push(`${ctx.queue}:${to}`);
    });
    const render = app.task('reports.render', (ctx, id: number) => {
      ran.push(`${ctx.queue}:${id}`);
    });
    await send.delay('a@example.com');
    await render.delay(1);
    await welcome.delay('b@example.com');
    await render.delay(2);
    expect(await counts(app, 'emails')).toMatchObject({ ready: 2 });
    expect(await counts(app, 'default')).toMatchObject({ ready: 2 });

    const emailWorker = h.idleWorker(app, { queues: ['emails'] });
    const emailsDone = events(emailWorker, 'task:succeeded', 2);
    await emailWorker.start();
    expect((await emailsDone).map((e) => e.task).sort()).toEqual(['emails.send', 'emails.welcome']);
    await emailWorker.stop();
    expect(ran.sort()).toEqual(['emails:a@example.com', 'emails:b@example.com']);
    expect(await counts(app, 'emails')).toMatchObject({ ready: 0, reserved: 0 });
    expect(await counts(app, 'default')).toMatchObject({ ready: 2 });

    const defaultWorker = h.idleWorker(app);
    const reportsDone = events(defaultWorker, 'task:succeeded', 2);
    await defaultWorker.start();
    expect((await reportsDone).map((e) => e.task)).toEqual(['reports.render', 'reports.render']);
    expect(ran).toContain('default:1');
    expect(ran).toContain('default:2');
  });

  it('takes the call queue over the route, and a worker may consume several queues', async () => {
    const app = h.app({ routes: { 'emails.*': 'emails' }, defaultQueue: 'main' });
    const send = app.task('emails.send', (ctx) => ctx.queue);
    const other = app.task('other', (ctx) => ctx.queue);
    const a = await send.applyAsync([], { queue: 'urgent' });
    const b = await send.delay();
    const c = await other.delay();
    await h.worker(app, { queues: ['urgent', 'emails', 'main'] });
    expect(await a.get({ timeout: '10s' })).toBe('urgent');
    expect(await b.get({ timeout: '10s' })).toBe('emails');
    expect(await c.get({ timeout: '10s' })).toBe('main');
  });

  it("takes the worker's queues from the config", async () => {
    const app = h.app({ worker: { queues: ['q1', 'q2'] } });
    const task = app.task('t', { queue: 'q2' }, () => 'from q2');
    const worker = await h.worker(app);
    expect(worker.queues).toEqual(['q1', 'q2']);
    expect(await (await task.delay()).get({ timeout: '10s' })).toBe('from q2');
  });
});
