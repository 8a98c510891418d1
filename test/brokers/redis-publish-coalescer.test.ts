import { describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../src/brokers/contract/index.ts';
import { PublishCoalescer } from '../../src/brokers/redis/publish-coalescer.ts';

function message(id: string): OutgoingMessage {
  return { id, queue: 'q', body: new Uint8Array() };
}

describe('PublishCoalescer', () => {
  it('sends publishes of one microtask turn together, in call order', async () => {
    const sends: string[][] = [];
    const coalescer = new PublishCoalescer(async (messages) => {
      sends.push(messages.map((m) => m.id));
    });
    await Promise.all([
      coalescer.publish([message('a')]),
      coalescer.publish([message('b'), message('c')]),
      coalescer.publish([message('d')]),
    ]);
    await coalescer.publish([message('e')]);
    expect(sends).toEqual([['a', 'b', 'c', 'd'], ['e']]);
  });

  it('rejects every caller of a batch that was not stored, and serves the next batch', async () => {
    let fail = true;
    const coalescer = new PublishCoalescer(async () => {
      if (fail) throw new Error('Connection is closed.');
    });
    const results = await Promise.allSettled([
      coalescer.publish([message('a')]),
      coalescer.publish([message('b')]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(coalescer.publish([message('c')])).resolves.toBeUndefined();
  });
});
