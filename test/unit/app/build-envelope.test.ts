import { describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../../src/app/build-envelope.ts';
import { CeleriacError, createApp, type TaskOptions } from '../../../src/index.ts';
import { resolveTaskOptions } from '../../../src/task/resolve-options.ts';

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const defaults = {
  queueFor: (_name: string, taskQueue: string | undefined) => taskQueue ?? 'default',
};
const opts = (options: TaskOptions = {}) => resolveTaskOptions(options, {}, false);

function buildError(run: () => unknown): CeleriacError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CeleriacError);
    return error as CeleriacError;
  }
  throw new Error('expected a CeleriacError');
}

describe('buildEnvelope', () => {
  it('builds a first-attempt envelope with a fresh id as its own root', () => {
    const envelope = buildEnvelope('add', [1, 2], {}, opts(), defaults, NOW);
    expect(envelope).toEqual({
      v: 1,
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      task: 'add',
      args: [1, 2],
      queue: 'default',
      retries: 0,
      rootId: envelope.id,
      parentId: null,
      sentAt: NOW,
    });
    expect(buildEnvelope('add', [], {}, opts(), defaults, NOW).id).not.toBe(envelope.id);
  });

  it('takes the id, kwargs and headers of the call', () => {
    const envelope = buildEnvelope(
      'add',
      [],
      { id: 'mine', kwargs: { x: 1 }, headers: { trace: 't' } },
      opts(),
      defaults,
      NOW,
    );
    expect(envelope).toMatchObject({
      id: 'mine',
      rootId: 'mine',
      kwargs: { x: 1 },
      headers: { trace: 't' },
    });
  });

  it('refuses args that are not an array', () => {
    const error = buildError(() => buildEnvelope('add', 'x' as never, {}, opts(), defaults, NOW));
    expect(error.message).toBe('args of "add" must be an array');
    expect(error.code).toBe('BAD_ARGS');
  });

  describe('eta', () => {
    it('turns a countdown into an absolute eta', () => {
      expect(buildEnvelope('t', [], { countdown: '5s' }, opts(), defaults, NOW).eta).toBe(
        iso(NOW + 5000),
      );
      expect(buildEnvelope('t', [], { countdown: 250 }, opts(), defaults, NOW).eta).toBe(
        iso(NOW + 250),
      );
    });

    it('prefers the countdown over an eta', () => {
      const envelope = buildEnvelope(
        't',
        [],
        { countdown: 10, eta: NOW + 99_999 },
        opts(),
        defaults,
        NOW,
      );
      expect(envelope.eta).toBe(iso(NOW + 10));
    });

    it('accepts an eta as a Date, an ISO string or epoch ms', () => {
      const at = NOW + 60_000;
      for (const eta of [new Date(at), iso(at), at]) {
        expect(buildEnvelope('t', [], { eta }, opts(), defaults, NOW).eta).toBe(iso(at));
      }
    });

    it('has no eta unless asked', () => {
      expect(buildEnvelope('t', [], {}, opts(), defaults, NOW)).not.toHaveProperty('eta');
    });

    it('refuses an invalid eta', () => {
      const error = buildError(() =>
        buildEnvelope('t', [], { eta: 'nonsense' }, opts(), defaults, NOW),
      );
      expect(error.message).toBe('eta is not a valid date: nonsense');
      expect(error.code).toBe('BAD_ETA');
    });

    it('refuses a bad countdown', () => {
      expect(() => buildEnvelope('t', [], { countdown: 'soon' }, opts(), defaults, NOW)).toThrow(
        'expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "soon"',
      );
    });
  });

  describe('expires', () => {
    it('takes a Date as it is', () => {
      const at = new Date(NOW + 3_600_000);
      expect(buildEnvelope('t', [], { expires: at }, opts(), defaults, NOW).expires).toBe(
        at.toISOString(),
      );
    });

    it('counts a duration from now', () => {
      expect(buildEnvelope('t', [], { expires: '1m' }, opts(), defaults, NOW).expires).toBe(
        iso(NOW + 60_000),
      );
      expect(buildEnvelope('t', [], { expires: 500 }, opts(), defaults, NOW).expires).toBe(
        iso(NOW + 500),
      );
    });

    it("falls back to the task's default expiry, and the call overrides it", () => {
      const task = opts({ expires: '10s' });
      expect(buildEnvelope('t', [], {}, task, defaults, NOW).expires).toBe(iso(NOW + 10_000));
      expect(buildEnvelope('t', [], { expires: '1s' }, task, defaults, NOW).expires).toBe(
        iso(NOW + 1000),
      );
    });

    it('refuses an invalid Date', () => {
      const error = buildError(() =>
        buildEnvelope('t', [], { expires: new Date('nope') }, opts(), defaults, NOW),
      );
      expect(error.message).toBe('expires is an invalid Date');
      expect(error.code).toBe('BAD_EXPIRES');
    });
  });

  describe('priority', () => {
    it('takes the call over the task, and leaves it out when neither sets it', () => {
      expect(
        buildEnvelope('t', [], { priority: 7 }, opts({ priority: 3 }), defaults, NOW).priority,
      ).toBe(7);
      expect(buildEnvelope('t', [], {}, opts({ priority: 3 }), defaults, NOW).priority).toBe(3);
      expect(
        buildEnvelope('t', [], { priority: 0 }, opts({ priority: 3 }), defaults, NOW).priority,
      ).toBe(0);
      expect(buildEnvelope('t', [], {}, opts(), defaults, NOW)).not.toHaveProperty('priority');
    });

    it.each([10, -1, 2.5, Number.NaN])('refuses priority %s', (priority) => {
      const error = buildError(() => buildEnvelope('t', [], { priority }, opts(), defaults, NOW));
      expect(error.message).toBe(`priority must be an integer from 0 to 9, got ${priority}`);
      expect(error.code).toBe('BAD_PRIORITY');
    });
  });

  // The Redis broker refused an empty id while the memory and SQLite brokers stored it: it is
  // refused at send, the same on every broker.
  it.each([
    ['', '""'],
    [42, '42'],
    [null, 'null'],
  ])('refuses the id %j, naming the task and the option', (id, shown) => {
    const options = { id } as unknown as { id: string };
    const error = buildError(() =>
      buildEnvelope('emails.send', [], options, opts(), defaults, NOW),
    );
    expect(error.message).toBe(
      `option "id" of a "emails.send" message must be a non-empty string, got ${shown}`,
    );
    expect(error.code).toBe('BAD_ID');
  });

  it("keeps an id of the caller's own", () => {
    expect(buildEnvelope('t', [], { id: 'order-7' }, opts(), defaults, NOW).id).toBe('order-7');
  });

  it('carries the time limits in seconds, as Celery does', () => {
    expect(
      buildEnvelope('t', [], {}, opts({ softTimeLimit: 1500, timeLimit: '3s' }), defaults, NOW)
        .timelimit,
    ).toEqual([1.5, 3]);
    expect(
      buildEnvelope('t', [], {}, opts({ softTimeLimit: '2s' }), defaults, NOW).timelimit,
    ).toEqual([2, null]);
    expect(buildEnvelope('t', [], {}, opts(), defaults, NOW)).not.toHaveProperty('timelimit');
  });
});

describe('queue resolution', () => {
  function app(defaultQueue?: string) {
    const a = createApp(
      {
        broker: 'memory://',
        logLevel: 'silent',
        routes: { 'emails.*': 'emails' },
        ...(defaultQueue ? { defaultQueue } : {}),
      },
      {},
    );
    a.task('emails.send', { queue: 'own-queue' }, () => 1);
    a.task('emails.welcome', () => 1);
    a.task('reports.render', () => 1);
    return a;
  }

  function queueOf(a: ReturnType<typeof app>, name: string, queue?: string): string {
    const task = a.registry.get(name);
    return buildEnvelope(name, [], queue ? { queue } : {}, task.options, a, NOW).queue;
  }

  it('takes the call option first', () => {
    const a = app('main');
    expect(queueOf(a, 'emails.send', 'call-queue')).toBe('call-queue');
    expect(queueOf(a, 'emails.welcome', 'call-queue')).toBe('call-queue');
    expect(queueOf(a, 'reports.render', 'call-queue')).toBe('call-queue');
  });

  it("then the task's own queue, over a matching route", () => {
    expect(queueOf(app('main'), 'emails.send')).toBe('own-queue');
  });

  it('then the first matching route', () => {
    expect(queueOf(app('main'), 'emails.welcome')).toBe('emails');
  });

  it("then the app's default queue, else 'default'", () => {
    expect(queueOf(app('main'), 'reports.render')).toBe('main');
    expect(queueOf(app(), 'reports.render')).toBe('default');
  });

  it("uses the taskDefaults queue as the task's own", () => {
    const a = createApp(
      {
        broker: 'memory://',
        logLevel: 'silent',
        routes: { '*': 'routed' },
        taskDefaults: { queue: 'td' },
      },
      {},
    );
    a.task('x', () => 1);
    expect(queueOf(a as ReturnType<typeof app>, 'x')).toBe('td');
  });
});
