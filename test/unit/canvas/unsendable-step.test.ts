import { describe, expect, it } from 'vitest';
import { unsendableStepReason } from '../../../src/canvas/unsendable-step.ts';
import {
  BrokerUnavailable,
  CeleriacError,
  MalformedMessage,
  SqliteFileError,
  UnserializableArgument,
} from '../../../src/errors/errors.ts';

describe('unsendableStepReason', () => {
  it('names the task and the error for failures that sending again would repeat', () => {
    const refused = new CeleriacError(
      'BAD_WORKFLOW',
      'a chord cannot be a member of another chord',
    );
    expect(unsendableStepReason(refused, 'resize')).toBe(
      'the workflow steps after task "resize" cannot be sent: a chord cannot be a member of another chord',
    );
    expect(unsendableStepReason(new MalformedMessage('links[0] must be an object'), 't')).toMatch(
      /cannot be sent: malformed message: links\[0\]/,
    );
    const value = new UnserializableArgument('t', 'args[0]', 'is a function');
    expect(unsendableStepReason(value, 't')).toMatch(/cannot be sent: task "t"/);
  });

  it('leaves failures that may pass to the lease (the task runs again)', () => {
    expect(unsendableStepReason(new BrokerUnavailable('redis is down'), 't')).toBeUndefined();
    const locked = new SqliteFileError('/tmp/q.db', 'database is locked', 'SQLITE_BUSY');
    expect(unsendableStepReason(locked, 't')).toBeUndefined();
    const closed = new CeleriacError('BACKEND_CLOSED', 'result backend redis://x is closed');
    expect(unsendableStepReason(closed, 't')).toBeUndefined();
    expect(unsendableStepReason(new Error('ECONNRESET'), 't')).toBeUndefined();
    expect(unsendableStepReason('a string', 't')).toBeUndefined();
  });
});
