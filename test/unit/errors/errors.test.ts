import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../src/errors/errors.ts';
import {
  BrokerUnavailable,
  CeleriacError,
  ConfigError,
  coerceError,
  MalformedMessage,
  PayloadTooLarge,
  Reject,
  ResultTimeout,
  Retry,
  SoftTimeLimitExceeded,
  TimeLimitExceeded,
  UnknownTask,
} from '../../../src/index.ts';

describe('PayloadTooLarge', () => {
  it('names the task, the size and the limit, and suggests passing ids', () => {
    const error = new PayloadTooLarge('reports.render', 300 * 1024 + 100, 256 * 1024);
    expect(error.message).toBe(
      'task "reports.render" payload is 300.1 KiB, over the 256 KiB limit (maxPayloadBytes): ' +
        'pass ids (a database key, an object-store path) instead of the data itself',
    );
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.name).toBe('PayloadTooLarge');
  });

  it('uses MiB for large payloads and bytes for a small limit', () => {
    expect(new PayloadTooLarge('t', 3 * 1024 * 1024, 1000).message).toMatch(
      /^task "t" payload is 3 MiB, over the 1000 B limit/,
    );
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [256 * 1024, '256 KiB'],
    [1024 * 1024, '1 MiB'],
    [1.25 * 1024 * 1024, '1.3 MiB'],
  ])('%d bytes is %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('error classes', () => {
  it.each([
    [new Retry(), 'RETRY', 'retry requested'],
    [new Reject('bad input'), 'REJECT', 'bad input'],
    [new SoftTimeLimitExceeded(1500), 'SOFT_TIME_LIMIT', 'soft time limit of 1500 ms exceeded'],
    [new TimeLimitExceeded(30_000), 'TIME_LIMIT', 'time limit of 30000 ms exceeded'],
    [new BrokerUnavailable('connection refused'), 'BROKER_UNAVAILABLE', 'connection refused'],
    [
      new UnknownTask('nope'),
      'UNKNOWN_TASK',
      'unknown task "nope": it is not registered on this app',
    ],
    [
      new MalformedMessage('field "task" must be a non-empty string'),
      'MALFORMED_MESSAGE',
      'malformed message: field "task" must be a non-empty string',
    ],
    [
      new ConfigError('worker.concurrency', 'expected a positive integer, got -1'),
      'CONFIG_INVALID',
      'invalid config "worker.concurrency": expected a positive integer, got -1',
    ],
    [new ResultTimeout('abc', 500), 'RESULT_TIMEOUT', 'result of task abc not ready within 500 ms'],
  ])('%s has its code and message', (error, code, message) => {
    expect(error).toBeInstanceOf(CeleriacError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
    expect(error.name).toBe(error.constructor.name);
  });

  it('carries the delay and cause of a Retry', () => {
    const cause = new Error('503');
    const retry = new Retry({ delayMs: 200, cause, message: 'later' });
    expect(retry.delayMs).toBe(200);
    expect(retry.cause).toBe(cause);
    expect(retry.message).toBe('later');
    expect(new Retry().delayMs).toBeUndefined();
  });

  it('keeps the cause of a Reject', () => {
    const cause = new Error('schema');
    expect(new Reject('invalid', { cause }).cause).toBe(cause);
  });

  it('lets subclasses of CeleriacError name themselves', () => {
    class MyError extends CeleriacError {
      constructor() {
        super('MINE', 'mine');
      }
    }
    expect(new MyError().name).toBe('MyError');
  });
});

describe('coerceError', () => {
  it('returns an Error as it is', () => {
    const error = new TypeError('x');
    expect(coerceError(error)).toBe(error);
  });

  it('wraps other values, keeping them as the cause', () => {
    const fromString = coerceError('plain');
    expect(fromString).toBeInstanceOf(Error);
    expect(fromString.message).toBe('plain');
    expect(fromString.cause).toBe('plain');
    expect(coerceError({ code: 42 }).message).toBe('{"code":42}');
    expect(coerceError(undefined).message).toBe('undefined');
    expect(coerceError(null).message).toBe('null');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(coerceError(circular).message).toBe('[object Object]');
    expect(coerceError(10n).message).toBe('10');
  });
});
