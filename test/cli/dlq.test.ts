import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { e2eEnv } from '../e2e/e2e-env.ts';
import { runCli } from '../e2e/worker-process.ts';
import {
  HOSTILE_BODIES as B,
  type HostileRow,
  redisDeadLetter,
  redisEntry,
  storeRedisDeadLetters,
  storeSqliteDeadLetters,
} from '../support/hostile-dead-letters.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';
import { deleteRedisPrefix } from '../support/redis-keys.ts';

const DEEP = 'malformed message: body nests arrays and objects deeper than 1000 levels';

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('valid JSON');
}

/** The dead letters of the stored rows that a valid message would have, by id. */
const row = (id: string, body: Buffer, failedAt: number): HostileRow => ({
  id,
  queue: 'e2e',
  body,
  reason: `reason of ${id}`,
  failedAt,
});

const SQLITE_ROWS: HostileRow[] = [
  row('good-1', B.good, 1000),
  row('task-object', B.taskObject, 2000),
  row('deep-args', B.deepArgs, 3000),
  row('not-json', B.notJson, 4000),
  row('binary', B.binary, 5000),
  row('huge', B.huge, 6000),
  row('proto-task', B.protoTask, 7000),
  row('proto-only', B.protoOnly, 8000),
  row('array', B.array, 9000),
  // Every column of another type than the broker writes: SQLite stores them as given.
  {
    id: Buffer.from('wrong-types'),
    queue: 42,
    body: 7,
    reason: Buffer.from([0xff]),
    failedAt: 'abc',
  },
  {
    id: 'esc\u001b[31m\nred',
    queue: 'e2e',
    body: B.good,
    reason: 'one\ntwo\u202e',
    failedAt: 1e300,
  },
  row('good-2', B.good, 10_000),
];

/** Lines the text listing prints for the stored rows above, in order. */
const SQLITE_TEXT = [
  '1970-01-01T00:00:01.000Z  good-1  e2e  e2e.record',
  '    reason of good-1',
  '1970-01-01T00:00:02.000Z  task-object  e2e  ?  (could not read: task (an object))',
  '    reason of task-object',
  `1970-01-01T00:00:03.000Z  deep-args  e2e  ?  (could not read: body (${DEEP}))`,
  '    reason of deep-args',
  `1970-01-01T00:00:04.000Z  not-json  e2e  ?  (could not read: body (malformed message: body is not valid JSON (${jsonError('not json')})))`,
  '    reason of not-json',
  '1970-01-01T00:00:05.000Z  binary  e2e  ?  (could not read: body (malformed message: body is not valid UTF-8))',
  '    reason of binary',
  `1970-01-01T00:00:06.000Z  huge  e2e  ?  (could not read: body (${B.huge.length} bytes, over the 1048576 listed))`,
  '    reason of huge',
  '1970-01-01T00:00:07.000Z  proto-task  e2e  e2e.proto',
  '    reason of proto-task',
  '1970-01-01T00:00:08.000Z  proto-only  e2e  ?  (could not read: task (missing))',
  '    reason of proto-only',
  '1970-01-01T00:00:09.000Z  array  e2e  ?  (could not read: task (malformed message: its fields (third element) must be an object, got 3))',
  '    reason of array',
  '?  wrong-types  42.0  ?  (could not read: failedAt (NaN); task (the message is 7, not an object))',
  '    \ufffd',
  '?  esc\\u001b[31m\\u000ared  e2e  e2e.record  (could not read: failedAt (1e+300))',
  '    one\\u000atwo\\u202e',
  '1970-01-01T00:00:10.000Z  good-2  e2e  e2e.record',
  '    reason of good-2',
];

interface ListedJson {
  id: string;
  task: string;
  failedAt: number | null;
  message?: unknown;
  unreadable?: string[];
}

function jsonLines(output: string): ListedJson[] {
  return output.split('\n').map((line) => JSON.parse(line) as ListedJson);
}

describe('celeriac dlq on a SQLite file holding hostile dead letters', () => {
  let env: ReturnType<typeof e2eEnv>;
  afterEach(async () => env?.cleanup());

  async function stored(): Promise<Record<string, string>> {
    env = e2eEnv();
    await env.app.broker.stats('e2e'); // creates the file and its tables
    storeSqliteDeadLetters(join(env.dir, 'broker.db'), SQLITE_ROWS);
    return env.env;
  }

  it('lists every entry as text: the bad ones say what could not be read, the rest print as usual', async () => {
    const list = await runCli(['dlq', 'list'], await stored());
    expect(list.output.split('\n')).toEqual(SQLITE_TEXT);
    expect(list.code).toBe(0);
  });

  it('lists every entry as JSON lines, with what could not be read', async () => {
    const list = await runCli(['dlq', 'list', '--json'], await stored());
    expect(list.code).toBe(0);
    const letters = jsonLines(list.output);
    expect(letters.map((l) => [l.id, l.task, l.unreadable ?? []])).toEqual([
      ['good-1', 'e2e.record', []],
      ['task-object', '?', ['task (an object)']],
      ['deep-args', '?', [`body (${DEEP})`]],
      [
        'not-json',
        '?',
        [`body (malformed message: body is not valid JSON (${jsonError('not json')}))`],
      ],
      ['binary', '?', ['body (malformed message: body is not valid UTF-8)']],
      ['huge', '?', [`body (${B.huge.length} bytes, over the 1048576 listed)`]],
      ['proto-task', 'e2e.proto', []],
      ['proto-only', '?', ['task (missing)']],
      [
        'array',
        '?',
        ['task (malformed message: its fields (third element) must be an object, got 3)'],
      ],
      // The broker hands over the types its API promises: a time it cannot read as NaN, a
      // number body as its text.
      ['wrong-types', '?', ['failedAt (NaN)', 'task (the message is 7, not an object)']],
      ['esc\u001b[31m\nred', 'e2e.record', ['failedAt (1e+300)']],
      ['good-2', 'e2e.record', []],
    ]);
    expect(letters[0]?.message).toEqual({ task: 'e2e.record', args: [1] });
    expect(letters[10]?.failedAt).toBeNull();
    // A stored "__proto__" key is shown as the data it is.
    expect(Object.keys(letters[6]?.message as object)).toEqual(['__proto__', 'task', 'args']);
  });

  it('requeues and purges around the hostile entries', async () => {
    const storedEnv = await stored();
    const requeued = await runCli(['dlq', 'requeue', 'good-1', 'task-object'], storedEnv);
    expect([requeued.code, requeued.output]).toEqual([0, 'requeued 2 messages']);
    expect(await env.app.broker.stats('e2e')).toMatchObject({ ready: 2, dead: 9 });
    const purged = await runCli(['dlq', 'purge', '--force'], storedEnv);
    expect([purged.code, purged.output]).toEqual([0, 'deleted 10 dead letters']);
    const list = await runCli(['dlq', 'list'], storedEnv);
    expect([list.code, list.output]).toEqual([0, 'the dead-letter queue is empty']);
  });

  it('requeues every entry with --all', async () => {
    const storedEnv = await stored();
    const requeued = await runCli(['dlq', 'requeue', '--all'], storedEnv);
    expect([requeued.code, requeued.output]).toEqual([0, 'requeued 12 messages']);
  });
});

const entry = (id: string, failedAt: string, body: Buffer) =>
  redisDeadLetter(failedAt, Buffer.from(`reason of ${id}`), redisEntry(id, body));

const REDIS_VALUES: Buffer[] = [
  entry('good-1', '1000', B.good),
  entry('task-object', '2000', B.taskObject),
  entry('deep-args', '3000', B.deepArgs),
  entry('binary', '4000', B.binary),
  entry('huge', '5000', B.huge),
  entry('proto-only', '6000', B.protoOnly),
  // Not a dead letter at all.
  Buffer.from([0x67, 0x61, 0x72, 0x62, 0xff]),
  // A dead letter around a value that is not an entry.
  redisDeadLetter('7000', Buffer.from('reason of a bare body'), B.good),
  // A reason length past the end, and a reason of invalid UTF-8 and control characters.
  Buffer.concat([Buffer.from('8000|99999|reason past the end'), B.good]),
  redisDeadLetter('9000', Buffer.from([0xff, 0x0a, 0x1b]), redisEntry('bad-reason', B.good)),
  entry('far-future', '1e300', B.good),
  entry('good-2', '10000', B.good),
];

/**
 * Lines the text listing prints for the values above whose layout is valid. The others (not a
 * dead letter, a reason past the end, a time past what a date holds) are listed too, as the
 * broker reads them.
 */
const REDIS_TEXT = [
  '1970-01-01T00:00:01.000Z  good-1  e2e  e2e.record',
  '    reason of good-1',
  '1970-01-01T00:00:02.000Z  task-object  e2e  ?  (could not read: task (an object))',
  '    reason of task-object',
  `1970-01-01T00:00:03.000Z  deep-args  e2e  ?  (could not read: body (${DEEP}))`,
  '    reason of deep-args',
  '1970-01-01T00:00:04.000Z  binary  e2e  ?  (could not read: body (malformed message: body is not valid UTF-8))',
  '    reason of binary',
  `1970-01-01T00:00:05.000Z  huge  e2e  ?  (could not read: body (${B.huge.length} bytes, over the 1048576 listed))`,
  '    reason of huge',
  '1970-01-01T00:00:06.000Z  proto-only  e2e  ?  (could not read: task (missing))',
  '    reason of proto-only',
  '1970-01-01T00:00:07.000Z  ?  e2e  e2e.record',
  '    reason of a bare body',
  '1970-01-01T00:00:09.000Z  bad-reason  e2e  e2e.record',
  '    \ufffd\\u000a\\u001b',
  '1970-01-01T00:00:10.000Z  good-2  e2e  e2e.record',
  '    reason of good-2',
];

/** Pairs of lines (an entry's header and its reason) of a text listing. */
function entries(output: string): string[][] {
  const lines = output.split('\n');
  return Array.from({ length: lines.length / 2 }, (_, i) => lines.slice(2 * i, 2 * i + 2));
}

describe.skipIf(!redisAvailable)('celeriac dlq on Redis holding hostile dead letters', () => {
  let prefix = '';
  afterEach(async () => deleteRedisPrefix(prefix));

  async function stored(): Promise<Record<string, string>> {
    prefix = `celeriac-dlq-${randomUUID().slice(0, 8)}`;
    await storeRedisDeadLetters(prefix, 'e2e', REDIS_VALUES);
    return { CELERIAC_BROKER_URL: `${redisUrl.split('?')[0]}?prefix=${prefix}` };
  }

  it('lists every entry as text and as JSON lines, the bad ones saying what could not be read', async () => {
    const env = await stored();
    const text = await runCli(['dlq', 'list'], env);
    expect(text.code).toBe(0);
    const listed = entries(text.output);
    expect(listed).toHaveLength(REDIS_VALUES.length);
    expect(listed).toEqual(expect.arrayContaining(entries(REDIS_TEXT.join('\n'))));
    // The three values outside the layout: each one entry that says what it could not read.
    const others = listed.filter(([header]) => !REDIS_TEXT.includes(header as string));
    expect(others).toHaveLength(3);
    for (const [header] of others) expect(header).toMatch(/\(could not read: .+\)$/);

    const json = await runCli(['dlq', 'list', '--json'], env);
    expect(json.code).toBe(0);
    const letters = jsonLines(json.output);
    expect(letters.map((l) => l.id)).toEqual(listed.map(([header]) => header?.split('  ')[1]));
    const readable = letters.filter((l) => l.unreadable === undefined).map((l) => l.id);
    expect(readable).toEqual(['good-1', '?', 'bad-reason', 'good-2']);
  });

  it('requeues the readable entries and purges every one', async () => {
    const env = await stored();
    const some = await runCli(['dlq', 'requeue', 'good-1', 'task-object'], env);
    expect([some.code, some.output]).toEqual([0, 'requeued 2 messages']);
    const all = await runCli(['dlq', 'requeue', '--all'], env);
    // The four values that hold no entry (not a dead letter, a reason past the end, a time that
    // is not digits, a bare body) stay, and the output says how many and why.
    expect([all.code, all.output]).toEqual([
      0,
      'requeued 6 messages; 4 dead letters could not be requeued (3 unreadable dead letter; ' +
        '1 unreadable entry: priority is not one digit 0-9 followed by |) and were left in the ' +
        'dead-letter queue',
    ]);
    const purged = await runCli(['dlq', 'purge', '--force'], env);
    expect([purged.code, purged.output]).toEqual([0, 'deleted 4 dead letters']);
    const list = await runCli(['dlq', 'list'], env);
    expect([list.code, list.output]).toEqual([0, 'the dead-letter queue is empty']);
  });
});
