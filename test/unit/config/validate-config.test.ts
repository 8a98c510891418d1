import { describe, expect, it } from 'vitest';
import { type AppConfig, ConfigError, createApp, MemoryBroker } from '../../../src/index.ts';

const NO_ENV = {};

/** The ConfigError that creating an app with this config throws. */
function configError(config: unknown, env: NodeJS.ProcessEnv = NO_ENV): ConfigError {
  try {
    createApp({ logLevel: 'silent', ...(config as AppConfig) }, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but the app was created');
}

describe('config validation', () => {
  it('accepts a full, valid config', () => {
    const app = createApp(
      {
        broker: 'memory://',
        backend: 'memory://',
        eager: false,
        defaultQueue: 'main',
        routes: { 'emails.*': 'emails' },
        maxPayloadBytes: 1024,
        resultTtl: '1h',
        ignoreResult: false,
        taskDefaults: {
          queue: 'q',
          priority: 5,
          retry: { max: 2, backoff: 'fixed', base: '1s', maxDelay: '1m', jitter: false },
          softTimeLimit: '10s',
          timeLimit: 20_000,
          expires: '1d',
          ignoreResult: false,
          acksLate: true,
          trackStarted: true,
          deadLetter: true,
        },
        worker: {
          queues: ['a', 'b'],
          concurrency: 4,
          lease: '30s',
          shutdownTimeout: '5s',
          pollTimeout: 500,
        },
        logLevel: 'silent',
      },
      NO_ENV,
    );
    expect(app.broker).toBeInstanceOf(MemoryBroker);
    expect(app.config.worker?.concurrency).toBe(4);
  });

  it.each([
    [{ worker: { concurrency: -1 } }, 'worker.concurrency', 'expected a positive integer, got -1'],
    [{ worker: { concurrency: 0 } }, 'worker.concurrency', 'expected a positive integer, got 0'],
    [
      { worker: { concurrency: 1.5 } },
      'worker.concurrency',
      'expected a positive integer, got 1.5',
    ],
    [
      { worker: { concurrency: '4' } },
      'worker.concurrency',
      'expected a positive integer, got "4"',
    ],
    [{ worker: { pool: 'fork' } }, 'worker.pool', 'expected async, threads, process, got "fork"'],
    [
      { worker: { maxTasksPerChild: 0 } },
      'worker.maxTasksPerChild',
      'expected a positive integer, got 0',
    ],
    [
      { worker: { maxMemoryPerChild: '200' } },
      'worker.maxMemoryPerChild',
      'expected a size such as 200MB or 1.5GB, got "200"',
    ],
    [{ maxPayloadBytes: 0 }, 'maxPayloadBytes', 'expected a positive integer, got 0'],
    [{ eager: 'yes' }, 'eager', 'expected true or false, got "yes"'],
    [{ ignoreResult: 1 }, 'ignoreResult', 'expected true or false, got 1'],
    [
      { broker: 'not a url' },
      'broker',
      'expected a URL such as sqlite://path/to/file.db, got "not a url"',
    ],
    [{ backend: 42 }, 'backend', 'expected a URL such as sqlite://path/to/file.db, got 42'],
    [
      { defaultQueue: 'has space' },
      'defaultQueue',
      'expected a name of letters, digits and . _ - : @, got "has space"',
    ],
    [
      { resultTtl: 'soon' },
      'resultTtl',
      'expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "soon"',
    ],
    [{ resultTtl: -5 }, 'resultTtl', 'expected a non-negative number of milliseconds, got -5'],
    [
      { worker: { lease: '2 weeks' } },
      'worker.lease',
      'expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "2 weeks"',
    ],
    [
      { worker: { lease: '500ms' } },
      'worker.lease',
      'must be at least 1s, or leases expire between renewals',
    ],
    [
      { worker: { shutdownTimeout: 'forever' } },
      'worker.shutdownTimeout',
      'expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "forever"',
    ],
    [{ worker: { queues: [] } }, 'worker.queues', 'expected a non-empty list of queue names'],
    [
      { worker: { queues: ['ok', 'not ok'] } },
      'worker.queues[1]',
      'expected a name of letters, digits and . _ - : @, got "not ok"',
    ],
    [
      { routes: { 'emails.*': 'e mails' } },
      'routes["emails.*"]',
      'expected a name of letters, digits and . _ - : @, got "e mails"',
    ],
    [{ routes: ['emails'] }, 'routes', 'expected an object of task-name glob to queue name'],
    [
      { taskDefaults: { priority: 10 } },
      'taskDefaults.priority',
      'expected an integer from 0 to 9, got 10',
    ],
    [
      { taskDefaults: { priority: -1 } },
      'taskDefaults.priority',
      'expected an integer from 0 to 9, got -1',
    ],
    [
      { taskDefaults: { priority: 2.5 } },
      'taskDefaults.priority',
      'expected an integer from 0 to 9, got 2.5',
    ],
    [
      { taskDefaults: { timeLimit: '1 minute' } },
      'taskDefaults.timeLimit',
      'expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "1 minute"',
    ],
    [
      { taskDefaults: { softTimeLimit: -1 } },
      'taskDefaults.softTimeLimit',
      'expected a non-negative number of milliseconds, got -1',
    ],
    [
      { taskDefaults: { expires: 'never' } },
      'taskDefaults.expires',
      'expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "never"',
    ],
    [
      { taskDefaults: { acksLate: 'no' } },
      'taskDefaults.acksLate',
      'expected true or false, got "no"',
    ],
    [
      { taskDefaults: { retry: { max: -1 } } },
      'taskDefaults.retry.max',
      'expected a non-negative integer, got -1',
    ],
    [
      { taskDefaults: { retry: { backoff: 'linear' } } },
      'taskDefaults.retry.backoff',
      'expected "exponential", "fixed" or a function, got "linear"',
    ],
    [
      { taskDefaults: { retry: { base: 'x' } } },
      'taskDefaults.retry.base',
      'expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "x"',
    ],
    [
      { taskDefaults: { retry: { maxDelay: -10 } } },
      'taskDefaults.retry.maxDelay',
      'expected a non-negative number of milliseconds, got -10',
    ],
    [
      { taskDefaults: { retry: { autoretryFor: Error } } },
      'taskDefaults.retry.autoretryFor',
      'expected an array of error classes or predicates',
    ],
    [
      { logLevel: 'loud' },
      'logLevel',
      'expected one of trace, debug, info, warn, error, fatal, silent, got "loud"',
    ],
  ])('rejects %j naming the key', (config, key, detail) => {
    const error = configError(config);
    expect(error.message).toBe(`invalid config "${key}": ${detail}`);
    expect(error.code).toBe('CONFIG_INVALID');
  });

  it.each([
    [{ brokr: 'memory://' }, 'brokr'],
    [{ worker: { concurency: 2 } }, 'worker.concurency'],
    [{ taskDefaults: { retires: 2 } }, 'taskDefaults.retires'],
    [{ taskDefaults: { retry: { jiter: false } } }, 'taskDefaults.retry.jiter'],
  ])('rejects the unknown key of %j', (config, key) => {
    const error = configError(config);
    expect(error.message).toMatch(
      new RegExp(`^invalid config "${key.replace(/\./g, '\\.')}": unknown key \\(known: `),
    );
  });

  it('lists the known keys when a key is misspelt', () => {
    const error = configError({ brokr: 'memory://' });
    expect(error.message).toMatch(
      /^invalid config "brokr": unknown key \(known: broker, coordination, backend, .*\)$/,
    );
    for (const key of ['eager', 'defaultQueue', 'routes', 'taskDefaults', 'worker', 'logLevel']) {
      expect(error.message).toContain(key);
    }
    expect(error.key).toBe('brokr');
    expect(error.detail).toMatch(/^unknown key/);
  });

  it('rejects an unsupported broker scheme', () => {
    expect(configError({ broker: 'amqp://localhost' }).message).toBe(
      'invalid config "broker": unsupported broker URL scheme "amqp:" (supported: sqlite://, redis://, rediss://, redis+cluster://, rediss+cluster://, memory://)',
    );
  });

  it('checks the options of each task when it is registered', () => {
    const app = createApp({ broker: 'memory://', logLevel: 'silent' }, NO_ENV);
    expect(() => app.task('t', { priority: 12 }, () => 1)).toThrow(
      `invalid config "tasks['t'].priority": expected an integer from 0 to 9, got 12`,
    );
    expect(() => app.task('t', { retyr: {} } as never, () => 1)).toThrow(
      /^invalid config "tasks\['t'\]\.retyr": unknown key/,
    );
    expect(() => app.task('t', { timeLimit: 'long' }, () => 1)).toThrow(ConfigError);
    expect(() => app.task('t', {}, undefined as never)).toThrow(
      'task "t" needs a handler function',
    );
    // None of the failed registrations registered anything.
    expect(app.registry.hasUserTasks()).toBe(false);
  });

  it('refuses a second task with the same name', () => {
    const app = createApp({ broker: 'memory://', logLevel: 'silent' }, NO_ENV);
    app.task('dup', () => 1);
    expect(() => app.task('dup', () => 2)).toThrow('task "dup" is already registered');
  });
});

describe('environment overrides', () => {
  it('takes the environment as the second argument of createApp', () => {
    const app = createApp(
      { broker: 'sqlite://never-opened.db', logLevel: 'silent' },
      { CELERIAC_BROKER_URL: 'memory://', CELERIAC_CONCURRENCY: '7' },
    );
    expect(app.broker).toBeInstanceOf(MemoryBroker);
    expect(app.brokerLabel).toBe('memory://');
    expect(app.config.broker).toBe('memory://');
    expect(app.config.worker?.concurrency).toBe(7);
  });

  it('overrides nested worker keys without dropping the others', () => {
    const app = createApp(
      { broker: 'memory://', logLevel: 'silent', worker: { concurrency: 2, lease: '10s' } },
      { CELERIAC_QUEUES: 'a, b,c', CELERIAC_SHUTDOWN_TIMEOUT: '3s' },
    );
    expect(app.config.worker).toEqual({
      concurrency: 2,
      lease: '10s',
      queues: ['a', 'b', 'c'],
      shutdownTimeout: '3s',
    });
    expect(app.worker().queues).toEqual(['a', 'b', 'c']);
  });

  it('parses booleans and ignores empty variables', () => {
    const app = createApp(
      { broker: 'memory://', logLevel: 'silent', eager: false },
      { CELERIAC_EAGER: '1', CELERIAC_IGNORE_RESULT: 'false', CELERIAC_DEFAULT_QUEUE: '' },
    );
    expect(app.config.eager).toBe(true);
    expect(app.config.ignoreResult).toBe(false);
    expect(app.config.defaultQueue).toBeUndefined();
  });

  it('does not read process.env when an environment is given', () => {
    const before = process.env.CELERIAC_BROKER_URL;
    process.env.CELERIAC_BROKER_URL = 'bogus';
    try {
      const app = createApp({ broker: 'memory://', logLevel: 'silent' }, NO_ENV);
      expect(app.broker).toBeInstanceOf(MemoryBroker);
    } finally {
      if (before === undefined) delete process.env.CELERIAC_BROKER_URL;
      else process.env.CELERIAC_BROKER_URL = before;
    }
  });

  it.each([
    [
      { CELERIAC_CONCURRENCY: 'abc' },
      'invalid config "CELERIAC_CONCURRENCY (worker.concurrency)": expected an integer, got "abc"',
    ],
    [
      { CELERIAC_CONCURRENCY: '-1' },
      'invalid config "CELERIAC_CONCURRENCY (worker.concurrency)": expected an integer, got "-1"',
    ],
    [
      { CELERIAC_POOL: 'prefork' },
      'invalid config "CELERIAC_POOL (worker.pool)": expected async, threads, process, got "prefork"',
    ],
    [
      { CELERIAC_MAX_TASKS_PER_CHILD: 'lots' },
      'invalid config "CELERIAC_MAX_TASKS_PER_CHILD (worker.maxTasksPerChild)": expected an integer, got "lots"',
    ],
    [
      { CELERIAC_EAGER: 'yes' },
      'invalid config "CELERIAC_EAGER (eager)": expected true or false, got "yes"',
    ],
    [
      { CELERIAC_EVENTS: 'on' },
      'invalid config "CELERIAC_EVENTS (events.send)": expected true or false, got "on"',
    ],
    [
      { CELERIAC_MAX_PAYLOAD_BYTES: '1e6' },
      'invalid config "CELERIAC_MAX_PAYLOAD_BYTES (maxPayloadBytes)": expected an integer, got "1e6"',
    ],
  ])('names the variable of a bad value: %j', (env, message) => {
    expect(configError({ broker: 'memory://' }, env).message).toBe(message);
  });

  it('CELERIAC_EVENTS turns publishing events on, leaving the config object given untouched', () => {
    const sink = { name: 'kept', write: async () => {} };
    const events = { sinks: [sink] };
    const app = createApp({ broker: 'memory://', events }, { CELERIAC_EVENTS: '1' });
    expect(app.events.sending).toBe(true);
    expect(app.config.events).toEqual({ sinks: [sink], send: true });
    expect(events).toEqual({ sinks: [sink] });
    expect(createApp({ broker: 'memory://' }, { CELERIAC_EVENTS: 'false' }).events.sending).toBe(
      false,
    );
  });

  it.each([
    [{ CELERIAC_CONCURRENCY: '0' }, 'CELERIAC_CONCURRENCY (worker.concurrency)'],
    [{ CELERIAC_BROKER_URL: 'nowhere' }, 'CELERIAC_BROKER_URL (broker)'],
    [{ CELERIAC_LEASE: 'soon' }, 'CELERIAC_LEASE (worker.lease)'],
    [{ CELERIAC_RESULT_TTL: 'never' }, 'CELERIAC_RESULT_TTL (resultTtl)'],
    [{ CELERIAC_LOG_LEVEL: 'loud' }, 'CELERIAC_LOG_LEVEL (logLevel)'],
    [{ CELERIAC_QUEUES: 'a,,b' }, 'CELERIAC_QUEUES (worker.queues[1])'],
  ])('names the variable of a value that parses but is invalid: %j', (env, label) => {
    const error = configError({ broker: 'memory://' }, env);
    expect(error.key).toBe(label);
    expect(error.message).toBe(`invalid config "${label}": ${error.detail}`);
  });

  it('gives the same detail for a bad variable as for the key in code', () => {
    expect(configError({ broker: 'memory://' }, { CELERIAC_CONCURRENCY: '0' }).message).toBe(
      'invalid config "CELERIAC_CONCURRENCY (worker.concurrency)": expected a positive integer, got 0',
    );
    expect(configError({ broker: 'memory://' }, { CELERIAC_LEASE: 'soon' }).message).toBe(
      'invalid config "CELERIAC_LEASE (worker.lease)": ' +
        'expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "soon"',
    );
  });

  it('still checks the config given in code before applying the environment', () => {
    expect(
      configError({ brokr: 'memory://' }, { CELERIAC_BROKER_URL: 'memory://' }).message,
    ).toMatch(/^invalid config "brokr": unknown key/);
  });
});
