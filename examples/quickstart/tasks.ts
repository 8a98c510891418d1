// The README's example as a module that compiles with the project (imports from the source).
import { createApp, Reject } from '../../src/index.ts';

export const app = createApp({
  broker: 'sqlite://.celeriac/broker.db',
  backend: 'sqlite://.celeriac/broker.db',
  routes: { 'emails.*': 'emails' },
  taskDefaults: { retry: { max: 5 }, timeLimit: '5m' },
});

export const sendWelcome = app.task(
  'emails.welcome',
  { retry: { max: 3, backoff: 'exponential', base: '2s', maxDelay: '1m' }, softTimeLimit: '20s' },
  async (ctx, userId: number) => {
    ctx.log.info({ userId }, 'sending');
    const res = await fetch(`https://mail.example/send/${userId}`, { signal: ctx.signal });
    if (res.status === 400) throw new Reject('bad address');
    if (!res.ok) ctx.retry({ countdown: '30s' });
    return { userId, sent: true };
  },
);
