// Runs inside a pool child: loads the app from its module, then runs one attempt per `run`
// message through the app's own pipeline (middleware, results, retries, time limits) and
// reports the outcome. Broker messages never reach a child: the parent reserves and acks.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { App } from '../../app/app.ts';
import { loadApp } from '../../cli/load-app.ts';
import { coerceError, TimeLimitExceeded, WorkerShutdown } from '../../errors/errors.ts';
import type { Outcome } from '../../middleware/middleware.ts';
import { runAttempt } from '../../task/run-attempt.ts';
import {
  type ChildInit,
  type FromChild,
  type ToChild,
  toWireError,
  toWireOutcome,
  type WireOutcome,
} from './pool-messages.ts';

interface Channel {
  send(message: FromChild): void;
  listen(handler: (message: ToChild) => void): void;
  close(): void;
}

function threadChannel(): Channel {
  const port = parentPort;
  if (!port) throw new Error('a thread child needs its parent port');
  return {
    send: (message) => port.postMessage(message),
    listen: (handler) => port.on('message', handler),
    close: () => port.close(),
  };
}

function processChannel(): Channel {
  return {
    send: (message) => process.send?.(message),
    listen: (handler) => process.on('message', handler as (m: unknown) => void),
    close: () => process.disconnect?.(),
  };
}

const channel = isMainThread ? processChannel() : threadChannel();
const init: ChildInit = isMainThread
  ? (JSON.parse(process.env.CELERIAC_POOL_INIT ?? '{}') as ChildInit)
  : (workerData as ChildInit);
const running = new Map<number, AbortController>();

/** The child's own memory: its process's RSS, or a thread's heap and buffers (threads share one RSS). */
function memoryInUse(): number {
  const usage = process.memoryUsage();
  return isMainThread ? usage.rss : usage.heapUsed + usage.external;
}

async function runOne(app: App, message: Extract<ToChild, { type: 'run' }>): Promise<void> {
  const task = app.registry.find(message.task);
  const controller = new AbortController();
  running.set(message.id, controller);
  let outcome: Outcome;
  if (!task) {
    const error = new Error(`unknown task "${message.task}": not registered in the pool child`);
    outcome = { kind: 'failure', reason: 'not-retryable', error };
  } else {
    outcome = await runAttempt(app.pipeline(), task, message.envelope, {
      eager: false,
      log: app.log,
      signal: controller.signal,
    });
  }
  running.delete(message.id);
  const tainted = outcome.kind !== 'success' && outcome.error instanceof TimeLimitExceeded;
  const memory = init.measureMemory ? memoryInUse() : 0;
  // Literals, not `{ ...done, outcome }`: that spread makes a new hidden class per task on
  // Node 20, garbage that outlives young-generation collections (see settle.ts).
  const done = (wire: WireOutcome) =>
    ({ type: 'done', id: message.id, memory, tainted, outcome: wire }) as const;
  try {
    channel.send(done(toWireOutcome(outcome)));
  } catch (error) {
    // A result the channel cannot carry (a function, a socket) fails the attempt, clearly.
    const reason = `the task's result cannot be sent to the worker: ${coerceError(error).message}`;
    const failure = {
      kind: 'failure',
      reason: 'not-retryable',
      error: toWireError(new Error(reason)),
    } as const;
    channel.send(done(failure));
  }
}

async function main(): Promise<void> {
  let app: App;
  try {
    app = await loadApp({ app: init.appModule });
  } catch (error) {
    channel.send({ type: 'load-failed', message: coerceError(error).message });
    channel.close();
    return;
  }
  channel.listen((message) => {
    if (message.type === 'run') void runOne(app, message);
    else if (message.type === 'abort') running.get(message.id)?.abort(new WorkerShutdown());
    else if (message.type === 'exit') void app.close().finally(() => channel.close());
  });
  channel.send({ type: 'ready', tasks: app.registry.names() });
}

await main();
