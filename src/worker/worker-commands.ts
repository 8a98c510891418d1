import type { QueueAdmin } from '../brokers/contract/index.ts';
import type { WorkerCommand } from '../control/control-protocol.ts';
import type { CommandHandler } from '../control/control-server.ts';
import type { RevokedIds } from '../control/revoked-ids.ts';
import { validateEnvelope } from '../envelope/envelope.ts';
import { argsRepr } from '../events/args-repr.ts';
import type { AttemptRunner } from '../executors/attempt-runner.ts';
import type { Executor } from '../executors/executor.ts';
import type { Serializer } from '../serializers/serializer.ts';
import type { TaskRegistry } from '../task/registry.ts';
import type { TasksInHand } from './tasks-in-hand.ts';
import type { WorkerPresence } from './worker-presence.ts';
import type { WorkerStats } from './worker-stats.ts';

/** What a worker's control commands read of its app. */
export interface CommandHost {
  /** Lists delayed messages for `inspect scheduled`. */
  readonly broker: Pick<QueueAdmin, 'listDelayed'>;
  /** The broker as `inspect stats` names it. */
  readonly brokerLabel: string;
  /** Decodes delayed messages' bodies. */
  readonly serializer: Serializer;
  /** The registered tasks, for `inspect registered` and time-limit changes. */
  readonly registry: TaskRegistry;
}

/** The parts of a worker its control commands read and change. */
export interface CommandTarget {
  app: CommandHost;
  queues: string[];
  tasks: TasksInHand;
  stats: WorkerStats;
  presence: WorkerPresence;
  revoked: RevokedIds;
  runner: AttemptRunner;
  executor: Executor;
  /** The reserve loop looks at its queues and slots again. */
  wake(): void;
  /** Graceful shutdown. */
  stop(): Promise<void>;
}

const SCHEDULED_LIMIT = 100;

/** The handler of every control command, bound to one worker. */
export function workerCommands(t: CommandTarget): Record<WorkerCommand, CommandHandler> {
  return {
    ping: () => 'pong',
    active: () => t.tasks.active(),
    reserved: () => t.tasks.reserved(),
    scheduled: () => scheduled(t),
    registered: () => registered(t.app),
    stats: () => stats(t),
    'active-queues': () => [...t.queues],
    revoked: () => ({ count: t.revoked.size }),
    revoke: (args) => revoke(t, args),
    'time-limit': (args) => timeLimit(t.app, args),
    shutdown: () => {
      setImmediate(() => void t.stop());
      return 'shutting down';
    },
    'pool-grow': (args) => resize(t, positiveInt(args.n, 'n')),
    'pool-shrink': (args) => resize(t, -positiveInt(args.n, 'n')),
    'add-consumer': (args) => addConsumer(t, queueName(args.queue)),
    'cancel-consumer': (args) => cancelConsumer(t, queueName(args.queue)),
  };
}

async function scheduled(t: CommandTarget) {
  const list = t.app.broker.listDelayed;
  if (!list) throw new Error('this broker cannot list delayed messages');
  const out = [];
  for (const queue of t.queues) {
    for (const message of await list.call(t.app.broker, queue, SCHEDULED_LIMIT)) {
      try {
        const envelope = validateEnvelope(t.app.serializer.decode(message.body), message);
        out.push({
          id: envelope.id,
          task: envelope.task,
          queue,
          eta: new Date(message.availableAt).toISOString(),
          retries: envelope.retries,
          args: argsRepr(envelope.args, envelope.kwargs),
        });
      } catch {
        out.push({ id: message.id, task: '(malformed)', queue, eta: message.availableAt });
      }
    }
  }
  return out;
}

function registered(app: CommandHost) {
  return app.registry.names().map((name) => {
    const o = app.registry.get(name).options;
    const entry: Record<string, unknown> = { name };
    if (o.queue !== undefined) entry.queue = o.queue;
    if (o.rateLimit !== undefined)
      entry.rateLimit = typeof o.rateLimit === 'string' ? o.rateLimit : o.rateLimit.rate;
    if (o.softTimeLimitMs !== undefined) entry.softTimeLimitMs = o.softTimeLimitMs;
    if (o.timeLimitMs !== undefined) entry.timeLimitMs = o.timeLimitMs;
    return entry;
  });
}

function stats(t: CommandTarget) {
  const usage = process.resourceUsage();
  const memory = process.memoryUsage();
  return {
    ...t.presence.info(),
    uptimeMs: Date.now() - t.presence.startedAt,
    broker: t.app.brokerLabel,
    totals: { ...t.stats },
    revoked: t.revoked.size,
    cpu: {
      userMs: Math.round(usage.userCPUTime / 1000),
      systemMs: Math.round(usage.systemCPUTime / 1000),
    },
    memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, maxRssKiB: usage.maxRSS },
  };
}

function revoke(t: CommandTarget, args: Record<string, unknown>) {
  const ids = args.ids;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string'))
    throw new Error('revoke needs ids: a list of task ids');
  const expiresAt = typeof args.expiresAt === 'number' ? args.expiresAt : Date.now() + 3_600_000;
  t.revoked.add(ids, expiresAt);
  const terminated = args.terminate === true ? ids.filter((id) => t.runner.terminate(id)) : [];
  return { revoked: ids.length, terminated };
}

function timeLimit(app: CommandHost, args: Record<string, unknown>) {
  const name = args.task;
  if (typeof name !== 'string') throw new Error('time-limit needs a task name');
  const task = app.registry.find(name);
  if (!task) throw new Error(`unknown task "${name}": it is not registered on this worker`);
  const soft = limitMs(args.soft, 'soft');
  const hard = limitMs(args.hard, 'hard');
  if (soft !== undefined && hard !== undefined && soft >= hard)
    throw new Error('the soft limit must be below the hard limit');
  // Attempts read their task's limits when they start: running ones keep theirs.
  const options = task.options as {
    softTimeLimitMs: number | undefined;
    timeLimitMs: number | undefined;
  };
  options.softTimeLimitMs = soft;
  options.timeLimitMs = hard;
  return { task: name, softTimeLimitMs: soft ?? null, timeLimitMs: hard ?? null };
}

function limitMs(value: unknown, what: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new Error(
      `the ${what} limit must be a positive number of seconds, got ${JSON.stringify(value)}`,
    );
  return Math.round(value * 1000);
}

function resize(t: CommandTarget, by: number) {
  if (!t.executor.resize) throw new Error('this worker cannot change its pool size');
  const size = t.executor.size + by;
  if (size < 1) throw new Error(`cannot shrink the pool below 1 slot (it has ${t.executor.size})`);
  t.runner.resize?.(size);
  t.executor.resize(size);
  t.wake();
  return { concurrency: size };
}

function addConsumer(t: CommandTarget, queue: string) {
  if (t.queues.includes(queue)) return { queues: [...t.queues], changed: false };
  t.queues.push(queue);
  t.wake();
  return { queues: [...t.queues], changed: true };
}

function cancelConsumer(t: CommandTarget, queue: string) {
  const at = t.queues.indexOf(queue);
  if (at < 0) return { queues: [...t.queues], changed: false };
  if (t.queues.length === 1)
    throw new Error(`"${queue}" is the worker's only queue; stop the worker instead`);
  t.queues.splice(at, 1);
  return { queues: [...t.queues], changed: true };
}

function positiveInt(value: unknown, what: string): number {
  if (!Number.isInteger(value) || (value as number) < 1)
    throw new Error(`${what} must be a positive integer, got ${JSON.stringify(value)}`);
  return value as number;
}

function queueName(value: unknown): string {
  if (typeof value !== 'string' || !/^[\w.:@-]+$/.test(value))
    throw new Error(`expected a queue name, got ${JSON.stringify(value)}`);
  return value;
}
