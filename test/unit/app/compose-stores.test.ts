import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Broker,
  createApp,
  MemoryBroker,
  registerBroker,
  SqliteBroker,
} from '../../../src/index.ts';
import { TransportOnlyBroker } from '../../support/transport-only-broker.ts';

const dir = mkdtempSync(join(tmpdir(), 'celeriac-compose-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

registerBroker({ schemes: ['transport-only'], create: () => new TransportOnlyBroker() });

const silent = { logLevel: 'silent' } as const;
const errorOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
};

describe('composing a broker with coordination', () => {
  it("defaults to the broker's own stores", () => {
    const broker = new MemoryBroker();
    const app = createApp({ broker, ...silent }, {});
    expect(app.coordination).toBe(broker);
    expect(app.coordinationLabel).toBe('the broker MemoryBroker');
  });

  it('takes every store but the unique claims from a coordination URL', async () => {
    const broker = new MemoryBroker();
    const url = `sqlite://${join(dir, 'coordination.db')}`;
    const app = createApp({ broker, coordination: url, ...silent }, {});
    expect(app.coordination.rates?.constructor.name).toBe('SqliteRateStore');
    expect(app.coordination.beat?.constructor.name).toBe('SqliteBeatStore');
    expect(app.coordination.workers?.constructor.name).toBe('SqliteWorkerRegistry');
    // A claim is taken with its message's enqueue, so it stays where the message goes.
    expect(app.coordination.uniques).toBe(broker.uniques);
    expect(app.coordinationLabel).toBe(`the coordination ${url}`);
    await app.close();
  });

  it('accepts a broker object as coordination, and the broker itself as a no-op', () => {
    const coordination = new SqliteBroker({ path: join(dir, 'object.db') });
    const app = createApp({ broker: new MemoryBroker(), coordination, ...silent }, {});
    expect(app.coordination.slots).toBe(coordination.slots);
    const broker = new MemoryBroker();
    expect(createApp({ broker, coordination: broker, ...silent }, {}).coordination).toBe(broker);
  });

  it('refuses a coordination URL of a transport-only broker, saying so', () => {
    expect(errorOf(() => createApp({ coordination: 'transport-only://x', ...silent }, {}))).toBe(
      'invalid config "coordination": the coordination transport-only://x keeps no coordination store (none of rates, slots, uniques, beat, broadcast, revokes, workers): it is a transport-only broker; name a broker that keeps them, such as redis://… or sqlite://…',
    );
  });

  it('lists the registered schemes for an unknown coordination scheme', () => {
    expect(errorOf(() => createApp({ coordination: 'nats://127.0.0.1', ...silent }, {}))).toBe(
      'invalid config "coordination": unsupported coordination URL scheme "nats:" (supported: sqlite://, redis://, rediss://, redis+cluster://, rediss+cluster://, memory://, transport-only://)',
    );
  });

  it('refuses a rate-limited task on a transport without coordination, naming the option', () => {
    const app = createApp({ broker: 'transport-only://x', ...silent }, {});
    expect(errorOf(() => app.task('paced', { rateLimit: '10/s' }, () => 1))).toBe(
      `invalid config "tasks['paced'].rateLimit": the broker transport-only://x keeps no rate limits (it has no RateStore); use the memory, SQLite or Redis broker, or set \`coordination\` to one of them`,
    );
    const paired = createApp(
      { broker: 'transport-only://x', coordination: `sqlite://${join(dir, 'pair.db')}`, ...silent },
      {},
    );
    expect(() => paired.task('paced', { rateLimit: '10/s' }, () => 1)).not.toThrow();
    expect(
      errorOf(() => paired.task('once', { unique: { key: () => 'k', ttl: '1m' } }, () => 1)),
    ).toMatch(
      /^invalid config "tasks\['once'\].unique": the broker transport-only:\/\/x keeps no unique claims/,
    );
  });

  it('names the first method a broker object lacks', () => {
    const { ack: _, ...withoutAck } = Object.fromEntries(
      Object.getOwnPropertyNames(MemoryBroker.prototype).map((name) => [name, () => undefined]),
    ) as Record<string, unknown>;
    const broker = { ...withoutAck, capabilities: { delay: true } } as unknown as Broker;
    expect(errorOf(() => createApp({ broker, ...silent }, {}))).toBe(
      'invalid config "broker": the broker object {"capabilities":{"delay":true}} has no ack() method; a broker implements connect, close, enqueue, reserve, ack, nack, extendLease, stats, queues, purge, listDeadLetters, requeueDeadLetters, purgeDeadLetters (docs/writing-a-broker.md)',
    );
  });
});
