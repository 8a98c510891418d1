import { describe, expect, it } from 'vitest';
import { type AppConfig, ConfigError, createApp, MemoryBroker } from '../../../../src/index.ts';

const app = () => createApp({ broker: new MemoryBroker(), logLevel: 'silent' }, {});

/** The message of the error registering task "x" with these options throws. */
function registrationError(options: unknown, on = app()): string {
  try {
    on.task('x', options as never, () => undefined);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('registered without an error');
}

describe('lock and concurrency options', () => {
  it('a lock without a key function names tasks[x].lock.key', () => {
    expect(registrationError({ lock: {} })).toBe(
      `invalid config "tasks['x'].lock.key": expected a function of the task's arguments that returns the key, got undefined`,
    );
    expect(registrationError({ lock: { key: 'x' } })).toBe(
      `invalid config "tasks['x'].lock.key": expected a function of the task's arguments that returns the key, got the string "x"`,
    );
    expect(registrationError({ lock: 'user' })).toBe(
      `invalid config "tasks['x'].lock": expected { key: (...args) => string, ttl? }, got "user"`,
    );
  });

  it('an invalid or too short lock ttl, and unknown lock keys', () => {
    const key = () => 'k';
    expect(registrationError({ lock: { key, ttl: 'soon' } })).toBe(
      `invalid config "tasks['x'].lock.ttl": expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "soon"`,
    );
    expect(registrationError({ lock: { key, ttl: 500 } })).toBe(
      `invalid config "tasks['x'].lock.ttl": must be at least 1s, or the lock lapses between renewals`,
    );
    expect(registrationError({ lock: { key, timeout: '1s' } })).toBe(
      `invalid config "tasks['x'].lock.timeout": unknown key (known: key, ttl)`,
    );
  });

  it('a concurrency limit that is not a positive integer', () => {
    const key = () => 'k';
    for (const [limit, shown] of [
      [0, '0'],
      [1.5, '1.5'],
      ['3', '"3"'],
      [undefined, 'undefined'],
    ] as const) {
      expect(registrationError({ concurrency: { key, limit } })).toBe(
        `invalid config "tasks['x'].concurrency.limit": expected a positive integer, got ${shown}`,
      );
    }
    expect(registrationError({ concurrency: { limit: 2 } })).toBe(
      `invalid config "tasks['x'].concurrency.key": expected a function of the task's arguments that returns the key, got undefined`,
    );
  });

  it('lock and concurrency are per task, not taskDefaults', () => {
    const config = { taskDefaults: { lock: { key: () => 'k' } } } as unknown as AppConfig;
    expect(() => createApp({ logLevel: 'silent', ...config }, {})).toThrow(
      'invalid config "taskDefaults.lock": is set on each task, not in taskDefaults',
    );
  });

  it('a broker without a SlotStore fails registration, naming the task and broker', () => {
    // A broker of its own kind that keeps no slots, as a third-party broker might.
    class PlainBroker extends MemoryBroker {}
    const broker = new PlainBroker();
    Object.defineProperty(broker, 'slots', { value: undefined });
    const on = createApp({ broker, logLevel: 'silent' }, {});
    expect(registrationError({ concurrency: { key: () => 'k', limit: 2 } }, on)).toBe(
      `invalid config "tasks['x'].concurrency": the broker PlainBroker cannot keep locks or per-key concurrency (it has no SlotStore); use the memory, SQLite or Redis broker, or set \`coordination\` to one of them`,
    );
    expect(() => on.task('plain', () => undefined)).not.toThrow();
  });

  it('valid options register, typed by the handler arguments', () => {
    const a = app();
    a.task(
      'typed',
      { lock: { key: (user: string) => `user:${user}`, ttl: '5s' } },
      (_ctx, user: string) => user,
    );
    a.task(
      'limited',
      { concurrency: { key: (n: number) => `n:${n % 2}`, limit: 3 } },
      (_ctx, n: number) => n,
    );
    expect(a.registry.names()).toEqual(expect.arrayContaining(['typed', 'limited']));
  });
});
