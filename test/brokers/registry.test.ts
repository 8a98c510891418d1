import { describe, expect, it } from 'vitest';
import type { Broker } from '../../src/brokers/contract/index.ts';
import { MemoryBroker } from '../../src/brokers/memory/memory-broker.ts';
import { brokerFromUrl, DEFAULT_BROKER_URL, registerBroker } from '../../src/brokers/registry.ts';
import { SqliteBroker } from '../../src/brokers/sqlite/sqlite-broker.ts';
import { ConfigError } from '../../src/errors/errors.ts';
import { redactUrl } from '../../src/logging/redact-url.ts';

describe('brokerFromUrl', () => {
  it('builds a memory broker', () => {
    expect(brokerFromUrl('memory://')).toBeInstanceOf(MemoryBroker);
  });

  it('builds SQLite brokers for relative, absolute and default URLs without opening them', () => {
    expect(brokerFromUrl('sqlite://data/broker.db')).toBeInstanceOf(SqliteBroker);
    expect(brokerFromUrl('sqlite:///var/lib/celeriac/broker.db')).toBeInstanceOf(SqliteBroker);
    expect(brokerFromUrl(DEFAULT_BROKER_URL)).toBeInstanceOf(SqliteBroker);
    expect(DEFAULT_BROKER_URL).toBe('sqlite://.celeriac/broker.db');
  });

  it('rejects an unsupported scheme with a ConfigError naming the supported ones', () => {
    const attempt = () => brokerFromUrl('xyz://host/0');
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      'invalid config "broker": unsupported broker URL scheme "xyz:" (supported: sqlite://, redis://, rediss://, redis+cluster://, rediss+cluster://, memory://)',
    );
  });

  it('rejects a URL without a scheme or a SQLite URL without a file', () => {
    expect(() => brokerFromUrl('broker.db')).toThrow(ConfigError);
    expect(() => brokerFromUrl('sqlite://')).toThrow(/names no file/);
    expect(() => brokerFromUrl('sqlite:broker.db')).toThrow(/must start with "sqlite:\/\/"/);
  });

  it('builds a registered broker for its schemes, case-insensitively, and refuses a taken scheme', () => {
    const made: string[] = [];
    registerBroker({
      schemes: ['test+registry'],
      create: (url) => {
        made.push(url);
        return new MemoryBroker() as Broker;
      },
    });
    expect(brokerFromUrl('TEST+registry://host/1')).toBeInstanceOf(MemoryBroker);
    expect(made).toEqual(['TEST+registry://host/1']);
    expect(() => registerBroker({ schemes: ['Redis'], create: () => new MemoryBroker() })).toThrow(
      'invalid config "broker": the broker URL scheme "redis:" is taken already',
    );
  });

  it('keeps passwords out of its errors', () => {
    for (const url of [
      'amqp://user:secret@host:5672',
      'redis://user:secret@host:6379/zero',
      'user:secret@host',
      'nowhere',
    ]) {
      expect(errorMessage(() => brokerFromUrl(url))).not.toContain('secret');
    }
  });
});

describe('redactUrl', () => {
  it.each([
    ['redis://user:secret@host:6379/0', 'redis://user:***@host:6379/0'],
    ['amqp://:secret@host', 'amqp://:***@host'],
    ['redis://user:p@ss@host/0', 'redis://user:***@host/0'],
    ['redis://user@host:6379', 'redis://user@host:6379'],
    ['redis://host:6379/0?x=1', 'redis://host:6379/0?x=1'],
    ['sqlite://.celeriac/broker.db', 'sqlite://.celeriac/broker.db'],
    ['memory://', 'memory://'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

function errorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}
