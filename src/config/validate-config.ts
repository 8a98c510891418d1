import { isPriority } from '../envelope/envelope.ts';
import { ConfigError } from '../errors/errors.ts';
import { POOL_NAMES, type PoolName } from '../executors/pool-name.ts';
import { checkRateLimitOption } from '../flow/rate/rate-option.ts';
import { validateSlotOptions } from '../flow/slots/slot-options.ts';
import { validateUniqueOption } from '../flow/unique/unique-option.ts';
import type { TaskOptions } from '../task/options.ts';
import { type Duration, parseDuration } from '../time/duration.ts';
import { type AppConfig, ENV_OVERRIDES } from './app-config.ts';
import { type ByteSize, parseByteSize } from './byte-size.ts';
import { describeValue, keySegment } from './describe-value.ts';

const APP_KEYS = new Set([
  'broker',
  'coordination',
  'backend',
  'eager',
  'defaultQueue',
  'routes',
  'maxPayloadBytes',
  'resultTtl',
  'ignoreResult',
  'serializer',
  'taskDefaults',
  'worker',
  'events',
  'logger',
  'logLevel',
  'logFormat',
]);
const WORKER_KEYS = new Set([
  'queues',
  'concurrency',
  'lease',
  'shutdownTimeout',
  'pollTimeout',
  'pool',
  'maxTasksPerChild',
  'maxMemoryPerChild',
  'metricsPort',
]);
const EVENTS_KEYS = new Set(['send', 'sinks']);
const TASK_KEYS = new Set([
  'queue',
  'priority',
  'retry',
  'softTimeLimit',
  'timeLimit',
  'expires',
  'ignoreResult',
  'acksLate',
  'trackStarted',
  'deadLetter',
  'rateLimit',
  'lock',
  'unique',
  'concurrency',
]);
const RETRY_KEYS = new Set(['max', 'backoff', 'base', 'maxDelay', 'jitter', 'autoretryFor']);
const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** Applies CELERIAC_* environment overrides on top of the config given in code. */
export function applyEnvOverrides(config: AppConfig, env: NodeJS.ProcessEnv): AppConfig {
  // Copies of the nested objects an override may set a key in: the caller's stay untouched.
  const result: AppConfig = { ...config, worker: { ...config.worker } };
  if (config.events) result.events = { ...config.events };
  for (const [name, key] of Object.entries(ENV_OVERRIDES)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = parseEnvValue(name, key, raw);
    checkEnvValue(name, key, value);
    setPath(result as Record<string, unknown>, key, value);
  }
  return result;
}

/** Validates one overridden value on its own, so that its error names the variable. */
function checkEnvValue(name: string, key: string, value: unknown): void {
  const probe: Record<string, unknown> = {};
  setPath(probe, key, value);
  try {
    validateAppConfig(probe as AppConfig);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${name} (${error.key})`, error.detail);
    throw error;
  }
}

function parseEnvValue(name: string, key: string, raw: string): unknown {
  const label = `${name} (${key})`;
  switch (key) {
    case 'eager':
    case 'ignoreResult':
    case 'events.send':
      if (!['true', 'false', '1', '0'].includes(raw)) {
        throw new ConfigError(label, `expected true or false, got ${describeValue(raw)}`);
      }
      return raw === 'true' || raw === '1';
    case 'maxPayloadBytes':
    case 'worker.concurrency':
    case 'worker.maxTasksPerChild':
    case 'worker.metricsPort':
      if (!/^\d+$/.test(raw))
        throw new ConfigError(label, `expected an integer, got ${describeValue(raw)}`);
      return Number(raw);
    case 'worker.queues':
      return raw.split(',').map((q) => q.trim());
    default:
      return raw;
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const [head, tail] = path.split('.') as [string, string | undefined];
  if (tail === undefined) {
    target[head] = value;
    return;
  }
  const inner = (target[head] ?? {}) as Record<string, unknown>;
  inner[tail] = value;
  target[head] = inner;
}

/** Checks every key and value; throws ConfigError naming the first bad key. */
export function validateAppConfig(config: AppConfig): void {
  rejectUnknownKeys(config as Record<string, unknown>, APP_KEYS, '');
  checkBroker(config.broker);
  checkUrlOrObject(config.coordination, 'coordination', []);
  checkUrlOrObject(config.backend, 'backend', ['get', 'set']);
  checkMethods(config.serializer, 'serializer', ['encode', 'decode']);
  checkMethods(config.logger, 'logger', ['info', 'warn', 'error']);
  checkBoolean(config.eager, 'eager');
  checkBoolean(config.ignoreResult, 'ignoreResult');
  checkName(config.defaultQueue, 'defaultQueue');
  if (config.maxPayloadBytes !== undefined)
    checkPositiveInt(config.maxPayloadBytes, 'maxPayloadBytes');
  checkDuration(config.resultTtl, 'resultTtl');
  if (config.events !== undefined) checkEvents(config.events as Record<string, unknown>);
  if (config.logLevel !== undefined && !LOG_LEVELS.has(config.logLevel)) {
    throw new ConfigError(
      'logLevel',
      `expected one of ${[...LOG_LEVELS].join(', ')}, got ${describeValue(config.logLevel)}`,
    );
  }
  if (
    config.logFormat !== undefined &&
    config.logFormat !== 'json' &&
    config.logFormat !== 'pretty'
  ) {
    throw new ConfigError(
      'logFormat',
      `expected "json" or "pretty", got ${describeValue(config.logFormat)}`,
    );
  }
  if (config.routes !== undefined) checkRoutes(config.routes);
  if (config.taskDefaults !== undefined) validateTaskOptions(config.taskDefaults, 'taskDefaults');
  if (config.worker !== undefined) checkWorker(config.worker as Record<string, unknown>);
}

/** Checks the options of one task; `where` prefixes the key in errors. */
export function validateTaskOptions(options: TaskOptions, where: string): void {
  rejectUnknownKeys(options as Record<string, unknown>, TASK_KEYS, `${where}.`);
  checkName(options.queue, `${where}.queue`);
  if (options.priority !== undefined && !isPriority(options.priority)) {
    throw new ConfigError(
      `${where}.priority`,
      `expected an integer from 0 to 9, got ${describeValue(options.priority)}`,
    );
  }
  checkDuration(options.softTimeLimit, `${where}.softTimeLimit`);
  checkDuration(options.timeLimit, `${where}.timeLimit`);
  checkDuration(options.expires, `${where}.expires`);
  for (const key of ['ignoreResult', 'acksLate', 'trackStarted', 'deadLetter'] as const) {
    checkBoolean(options[key], `${where}.${key}`);
  }
  if (options.retry !== undefined)
    checkRetry(options.retry as Record<string, unknown>, `${where}.retry`);
  validateUniqueOption(options.unique, where);
  validateSlotOptions(options, where);
  checkRateLimitOption(options.rateLimit, `${where}.rateLimit`);
}

function checkRetry(retry: Record<string, unknown>, where: string): void {
  rejectUnknownKeys(retry, RETRY_KEYS, `${where}.`);
  if (retry.max !== undefined && !(Number.isInteger(retry.max) && (retry.max as number) >= 0)) {
    throw new ConfigError(
      `${where}.max`,
      `expected a non-negative integer, got ${describeValue(retry.max)}`,
    );
  }
  const backoff = retry.backoff;
  if (
    backoff !== undefined &&
    backoff !== 'exponential' &&
    backoff !== 'fixed' &&
    typeof backoff !== 'function'
  ) {
    throw new ConfigError(
      `${where}.backoff`,
      `expected "exponential", "fixed" or a function, got ${describeValue(backoff)}`,
    );
  }
  checkDuration(retry.base as Duration | undefined, `${where}.base`);
  checkDuration(retry.maxDelay as Duration | undefined, `${where}.maxDelay`);
  checkBoolean(retry.jitter, `${where}.jitter`);
  if (retry.autoretryFor !== undefined) {
    const list = retry.autoretryFor;
    if (!Array.isArray(list) || list.some((m) => typeof m !== 'function')) {
      throw new ConfigError(
        `${where}.autoretryFor`,
        'expected an array of error classes or predicates',
      );
    }
  }
}

function checkWorker(worker: Record<string, unknown>): void {
  rejectUnknownKeys(worker, WORKER_KEYS, 'worker.');
  if (worker.concurrency !== undefined) checkPositiveInt(worker.concurrency, 'worker.concurrency');
  if (worker.maxTasksPerChild !== undefined)
    checkPositiveInt(worker.maxTasksPerChild, 'worker.maxTasksPerChild');
  if (worker.metricsPort !== undefined) checkPort(worker.metricsPort, 'worker.metricsPort');
  if (worker.pool !== undefined && !POOL_NAMES.includes(worker.pool as PoolName)) {
    throw new ConfigError(
      'worker.pool',
      `expected ${POOL_NAMES.join(', ')}, got ${describeValue(worker.pool)}`,
    );
  }
  if (worker.maxMemoryPerChild !== undefined) {
    try {
      parseByteSize(worker.maxMemoryPerChild as ByteSize);
    } catch (error) {
      throw new ConfigError('worker.maxMemoryPerChild', (error as Error).message);
    }
  }
  if (worker.queues !== undefined) {
    const queues = worker.queues;
    if (!Array.isArray(queues) || queues.length === 0) {
      throw new ConfigError('worker.queues', 'expected a non-empty list of queue names');
    }
    for (const [i, q] of queues.entries()) checkName(q, `worker.queues[${i}]`);
  }
  for (const key of ['lease', 'shutdownTimeout', 'pollTimeout']) {
    checkDuration(worker[key] as Duration | undefined, `worker.${key}`);
  }
  if (worker.lease !== undefined && parseDuration(worker.lease as Duration) < 1000) {
    throw new ConfigError('worker.lease', 'must be at least 1s, or leases expire between renewals');
  }
}

function checkEvents(events: Record<string, unknown>): void {
  rejectUnknownKeys(events, EVENTS_KEYS, 'events.');
  checkBoolean(events.send, 'events.send');
  if (events.sinks === undefined) return;
  if (!Array.isArray(events.sinks))
    throw new ConfigError('events.sinks', 'expected a list of sinks');
  for (const [i, sink] of events.sinks.entries()) {
    const s = sink as { name?: unknown; write?: unknown } | null;
    if (typeof s !== 'object' || s === null || typeof s.write !== 'function')
      throw new ConfigError(`events.sinks[${i}]`, 'expected a sink: an object with write(events)');
    if (typeof s.name !== 'string' || s.name === '')
      throw new ConfigError(`events.sinks[${i}].name`, 'expected a non-empty name');
  }
}

function checkRoutes(routes: Record<string, string>): void {
  if (typeof routes !== 'object' || routes === null || Array.isArray(routes)) {
    throw new ConfigError('routes', 'expected an object of task-name glob to queue name');
  }
  for (const [pattern, queue] of Object.entries(routes))
    checkName(queue, `routes[${JSON.stringify(pattern)}]`);
}

function rejectUnknownKeys(obj: Record<string, unknown>, known: Set<string>, prefix: string): void {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new ConfigError(
      prefix.replace(/\.$/, '') || 'config',
      `expected an object, got ${describeValue(obj)}`,
    );
  }
  for (const key of Object.keys(obj)) {
    if (!known.has(key)) {
      const path =
        prefix === ''
          ? keySegment(key).replace(/^\./, '')
          : `${prefix.replace(/\.$/, '')}${keySegment(key)}`;
      throw new ConfigError(path, `unknown key (known: ${[...known].join(', ')})`);
    }
  }
}

/** What a broker object must have: the transport, and the admin of its queues. */
const BROKER_METHODS = [
  'connect',
  'close',
  'enqueue',
  'reserve',
  'ack',
  'nack',
  'extendLease',
  'stats',
  'queues',
  'purge',
  'listDeadLetters',
  'requeueDeadLetters',
  'purgeDeadLetters',
] as const;

/** A broker URL, or an object with every method of the contract: the first missing one is named. */
function checkBroker(value: unknown): void {
  if (typeof value !== 'object' || value === null) {
    checkUrlOrObject(value, 'broker', []);
    return;
  }
  const broker = value as Record<string, unknown>;
  const missing = BROKER_METHODS.find((name) => typeof broker[name] !== 'function');
  if (missing !== undefined)
    throw new ConfigError(
      'broker',
      `the broker object ${objectName(value)} has no ${missing}() method; a broker implements ${BROKER_METHODS.join(', ')} (docs/writing-a-broker.md)`,
    );
  if (typeof broker.capabilities !== 'object' || broker.capabilities === null)
    throw new ConfigError(
      'broker',
      `the broker object ${objectName(value)} has no capabilities record (delay, priorities, shared)`,
    );
}

/** An instance by its class name; a plain object by its (cut) JSON. */
function objectName(value: object): string {
  const name = value.constructor?.name;
  return name && name !== 'Object' ? name : describeValue(value);
}

/** A URL, or an object with the methods an instance has (`broker`: enqueue, `backend`: get). */
function checkUrlOrObject(value: unknown, key: string, methods: readonly string[]): void {
  if (value === undefined) return;
  if (typeof value === 'object' && value !== null) {
    checkMethods(value, key, methods);
    return;
  }
  if (typeof value !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new ConfigError(
      key,
      `expected a URL such as sqlite://path/to/file.db, got ${describeValue(value)}`,
    );
  }
}

/** An object given for `key` has these methods, or the first missing one is named. */
function checkMethods(value: unknown, key: string, methods: readonly string[]): void {
  if (value === undefined) return;
  const object = value as Record<string, unknown> | null;
  const missing = methods.find((name) => typeof object?.[name] !== 'function');
  if (typeof value !== 'object' || value === null || missing !== undefined) {
    throw new ConfigError(
      key,
      `expected an object with ${methods.join(', ')} methods, got ${describeValue(value)}`,
    );
  }
}

function checkBoolean(value: unknown, key: string): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new ConfigError(key, `expected true or false, got ${describeValue(value)}`);
  }
}

function checkPort(value: unknown, key: string): void {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 65535)
    throw new ConfigError(key, `expected a port from 0 to 65535, got ${describeValue(value)}`);
}

function checkPositiveInt(value: unknown, key: string): void {
  // Safe integers only: past 2^53 the number read is not the one written.
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw new ConfigError(key, `expected a positive integer, got ${describeValue(value)}`);
  }
}

function checkName(value: unknown, key: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !/^[\w.:@-]+$/.test(value)) {
    throw new ConfigError(
      key,
      `expected a name of letters, digits and . _ - : @, got ${describeValue(value)}`,
    );
  }
}

function checkDuration(value: Duration | undefined, key: string): void {
  if (value === undefined) return;
  try {
    parseDuration(value);
  } catch (error) {
    throw new ConfigError(key, (error as Error).message);
  }
}
