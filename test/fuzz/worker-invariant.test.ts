import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { App, OutgoingMessage, Worker } from '../../src/index.ts';
import { BROKERS, type BrokerKind, harness } from '../integration/harness.ts';
import { requireRedisReason } from '../support/redis-available.ts';
import { ENVELOPE_KEYS } from './envelope-keys.ts';
import { fuzzRuns } from './fuzz-runs.ts';

// The worker-level invariant: every stored message either decodes to a valid message (and then
// runs, fails for good or expires) or is dead-lettered with a reason; the worker never crashes,
// stops consuming or holds a message without an outcome. One real worker per broker takes every
// case, so a message that wedges it shows up in the cases after it, not just its own.

/** The queue the worker consumes; raw bodies go here. */
const QUEUE = 'fuzz';
/** Where the steps a fuzzed workflow field sends go: no worker consumes it, so none run twice. */
const DERIVED = 'fuzz-derived';
/** A bound for a case to settle, so a held message fails the property instead of hanging it. */
const SETTLE_MS = 10_000;
/** The test's own bound; the property stops a minute before it, so a failure is reported. */
const TEST_MS = 900_000;
const PROPERTY_MS = TEST_MS - 60_000;
/** Cases per broker: 300 in `npm test`, CELERIAC_FUZZ_RUNS in `npm run chaos`. */
const RUNS = fuzzRuns(1);

const encode = (text: string) => new TextEncoder().encode(text);

/** Envelope keys and prototype-polluting ones, so mutations hit real fields often. */
const KEYS = fc.constantFrom(...ENVELOPE_KEYS);

const TASKS = fc.constantFrom('fuzz.record', 'fuzz.throw', 'fuzz.unknown', '', 'x'.repeat(300));

/** Any JSON value, biased to the envelope's keys and to edge numbers and strings. */
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, 9, 10, 2 ** 53),
    fc.integer(),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom('', '2000-01-01T00:00:00Z', '2999-01-01T00:00:00Z', 'soon', '\n'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(KEYS, fc.string({ maxLength: 5 })), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Per-call options of a workflow step: valid, out of range, or of the wrong type. */
const nodeOptions = fc.record(
  {
    priority: fc.oneof(fc.integer({ min: 0, max: 9 }), jsonish),
    countdown: fc.oneof(fc.constantFrom(0, '0s', 'abc', -5, 1e308), jsonish),
    expires: fc.oneof(fc.constantFrom('1h', 'never', -1), jsonish),
    eta: fc.oneof(fc.constantFrom('2000-01-01T00:00:00Z', 'later'), jsonish),
    id: jsonish,
    headers: jsonish,
    kwargs: jsonish,
  },
  { requiredKeys: [] },
);

/** Workflow nodes shaped well enough to pass the receipt checks, with anything in their options. */
const node = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      kind: fc.constant('task'),
      task: TASKS,
      args: fc.array(jsonish, { maxLength: 2 }),
      options: nodeOptions,
      immutable: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('chain'), steps: fc.array(tie('node'), { maxLength: 2 }) }),
    fc.record({ kind: fc.constant('group'), members: fc.array(tie('node'), { maxLength: 2 }) }),
    fc.record({
      kind: fc.constant('chord'),
      members: fc.array(tie('node'), { maxLength: 2 }),
      body: tie('node'),
    }),
    jsonish,
  ),
})).node;

/** The fields a worker continues a workflow from: links, errbacks, chain steps, a chord seat. */
const workflowField = fc.oneof(
  fc.record({ key: fc.constantFrom('links', 'errbacks', 'chain'), value: fc.array(node) }),
  fc.record({
    key: fc.constant('chord'),
    value: fc.record({
      id: fc.oneof(fc.uuid(), jsonish),
      size: fc.oneof(fc.integer({ min: 0, max: 3 }), jsonish),
      index: fc.oneof(fc.integer({ min: 0, max: 3 }), jsonish),
      body: node,
    }),
  }),
);

/** Big and deep values, within the payload limit: the worker must still settle them. */
const heavy = fc.oneof(
  fc.integer({ min: 1, max: 200_000 }).map((n) => 'h'.repeat(n)),
  fc.integer({ min: 1, max: 1_200 }).map((d) => JSON.parse(`${'['.repeat(d)}${']'.repeat(d)}`)),
  fc.integer({ min: 1, max: 5_000 }).map((n) => Array.from({ length: n }, (_, i) => i)),
);

/** A valid wire envelope, as a producer sends it (the worker fills in id, queue and root). */
const validWire = fc.record(
  {
    task: fc.constantFrom('fuzz.record', 'fuzz.throw'),
    args: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
    kwargs: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 })),
    priority: fc.integer({ min: 0, max: 9 }),
    expires: fc.constantFrom('2000-01-01T00:00:00Z', '2999-01-01T00:00:00Z'),
    retries: fc.nat({ max: 3 }),
    headers: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 })),
    sentAt: fc.nat(),
  },
  { requiredKeys: ['task', 'args'] },
);

/** One edit of a wire envelope: a field dropped, or set to any value. */
const edit = fc.oneof(
  { weight: 4, arbitrary: fc.record({ key: fc.oneof(KEYS, fc.string()), value: jsonish }) },
  { weight: 1, arbitrary: fc.record({ key: KEYS, value: fc.constant(undefined) }) },
  { weight: 1, arbitrary: fc.record({ key: fc.constant('task'), value: TASKS }) },
  { weight: 2, arbitrary: workflowField },
  { weight: 1, arbitrary: fc.record({ key: fc.constantFrom('args', 'kwargs'), value: heavy }) },
);

function mutate(wire: Record<string, unknown>, edits: Array<{ key: string; value: unknown }>) {
  const copy: Record<string, unknown> = { ...wire };
  for (const { key, value } of edits) {
    // defineProperty: "__proto__" must become a field, as JSON.parse makes it.
    if (value === undefined) delete copy[key];
    else
      Object.defineProperty(copy, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return copy;
}

const envelopeBody = fc
  .tuple(validWire, fc.array(edit, { maxLength: 3 }))
  .map(([wire, edits]) => encode(JSON.stringify(mutate(wire, edits))));

/** Any body: arbitrary bytes, any JSON value, or a mutated valid envelope (most often). */
const body = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  { weight: 1, arbitrary: jsonish.map((v) => encode(JSON.stringify(v) ?? 'null')) },
  { weight: 5, arbitrary: envelopeBody },
);

/** The broker's own header: mostly in range, sometimes not (a third-party producer's). */
const priority = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 9 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(-1, 10, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -0),
  },
);
const headerId = fc.oneof(
  fc.uuid(),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.constantFrom(' ', '\n', ':', '|', '\u0000', '{}', 'x'.repeat(2_000)),
);

const message = fc.record({ id: headerId, priority, body });
/** A case: a few messages enqueued in one call, with distinct header ids. */
const batch = fc.uniqueArray(message, { minLength: 1, maxLength: 4, selector: (m) => m.id });

interface Case {
  id: string;
  priority: number | undefined;
  body: Uint8Array;
}

/** The id task events will carry: the body's own id when it has one, else the header's. */
function envelopeId(m: Case): string {
  try {
    const id = (JSON.parse(new TextDecoder().decode(m.body)) as { id?: unknown } | null)?.id;
    return typeof id === 'string' && id !== '' ? id : m.id;
  } catch {
    return m.id;
  }
}

const inRange = (p: number | undefined) =>
  p === undefined || (Number.isInteger(p) && p <= 9 && p >= 0);

/** Final outcomes the worker reports, by task id, plus what the recording task ran. */
class Outcomes {
  /** Ids of task:succeeded and task:expired: the message was taken off the queue for good. */
  ended: string[] = [];
  /** Header ids the worker says it dead-lettered (the broker may dead-letter without a word). */
  deadLettered: string[] = [];
  /** Ids the recording task ran with. */
  recorded: string[] = [];
  succeededRecord: string[] = [];
  /** The reason of every dead letter the worker made, over all cases. */
  readonly reasons: string[] = [];

  constructor(worker: Worker) {
    worker.events.on('task:succeeded', (e) => {
      this.ended.push(e.id);
      if (e.task === 'fuzz.record') this.succeededRecord.push(e.id);
    });
    worker.events.on('task:expired', (e) => this.ended.push(e.id));
    worker.events.on('message:dead-lettered', (e) => {
      this.deadLettered.push(e.id);
      this.reasons.push(e.reason);
    });
  }

  reset(): void {
    this.ended = [];
    this.deadLettered = [];
    this.recorded = [];
    this.succeededRecord = [];
  }
}

const sorted = (ids: string[]) => [...ids].sort();

/** The dead-letter reason of a task that ran but whose next steps can never be sent. */
const UNSENDABLE = /^the workflow steps after task "[^"]*" cannot be sent: /;

/** Waits until the case's messages have as many outcomes as messages, then checks each has one. */
async function expectOneOutcomeEach(
  app: App,
  outcomes: Outcomes,
  cases: Case[],
  settleMs: number,
): Promise<void> {
  const deadline = Date.now() + settleMs;
  let letters = await app.broker.listDeadLetters({ limit: 1_000 });
  while (letters.length + outcomes.ended.length < cases.length) {
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
    letters = await app.broker.listDeadLetters({ limit: 1_000 });
  }
  // Dead letters match by header id (distinct in a case); what is left must have ended by its
  // envelope id, each exactly once.
  const byHeader = new Map(cases.map((c) => [c.id, c]));
  const unmatched = new Set(cases);
  for (const letter of letters) {
    const owner = byHeader.get(letter.id);
    expect(owner && unmatched.has(owner), `dead letter ${JSON.stringify(letter.id)}`).toBe(true);
    unmatched.delete(owner as Case);
    expect(letter.reason).toMatch(/\S/);
    expect(letter.queue).toBe(QUEUE);
  }
  expect(sorted(outcomes.ended)).toEqual(sorted([...unmatched].map(envelopeId)));
  // The worker's own dead letters are among those stored. The recording task ran what
  // succeeded, and what ran but whose next steps could never be sent (dead-lettered for that).
  expect(outcomes.deadLettered.every((id) => byHeader.has(id))).toBe(true);
  const unsendable = letters
    .filter((letter) => UNSENDABLE.test(letter.reason) && letter.reason.includes('"fuzz.record"'))
    .map((letter) => envelopeId(byHeader.get(letter.id) as Case));
  expect(sorted(outcomes.recorded)).toEqual(sorted([...outcomes.succeededRecord, ...unsendable]));
}

/** One case: enqueue raw, and either the broker refused it whole or each message has one outcome. */
async function runCase(
  app: App,
  outcomes: Outcomes,
  cases: Case[],
  settleMs = SETTLE_MS,
): Promise<void> {
  const messages: OutgoingMessage[] = cases.map((c) => ({ ...c, queue: QUEUE }));
  try {
    await app.broker.enqueue(messages);
  } catch (error) {
    // Only a header out of its domain may be refused, and the error says so in words.
    expect(cases.some((c) => !inRange(c.priority))).toBe(true);
    expect((error as Error).message).toMatch(/\S/);
    return;
  }
  try {
    await expectOneOutcomeEach(app, outcomes, cases, settleMs);
  } finally {
    await app.broker.purgeDeadLetters();
    outcomes.reset();
  }
}

/** Registers the tasks, starts one worker, runs the property, then checks the worker still works. */
async function checkInvariant(
  h: ReturnType<typeof harness>,
  extra: Case[][] = [],
  { settleMs = SETTLE_MS, runs = RUNS } = {},
): Promise<string[]> {
  const app = h.app({ defaultQueue: DERIVED });
  const worker = h.idleWorker(app, { queues: [QUEUE], concurrency: 4, pollTimeout: 20 });
  const outcomes = new Outcomes(worker);
  const record = app.task(
    'fuzz.record',
    { retry: { max: 0 }, ignoreResult: true },
    (ctx, ..._args: unknown[]) => {
      outcomes.recorded.push(ctx.id);
    },
  );
  app.task('fuzz.throw', { retry: { max: 1, backoff: 'fixed', base: 0, jitter: false } }, () => {
    throw new Error('thrown on purpose');
  });
  await worker.start();
  for (const cases of extra) await runCase(app, outcomes, cases, settleMs);
  // runs 0: the found shapes alone.
  if (runs > 0)
    await fc.assert(
      fc.asyncProperty(batch, (cases) => runCase(app, outcomes, cases)),
      // Each shrink step of a held message waits SETTLE_MS: stop in time to print the case.
      { numRuns: runs, interruptAfterTimeLimit: PROPERTY_MS, markInterruptAsFailure: true },
    );
  // Still consuming: a valid task sent last runs.
  const last = new Promise<string>((resolve) =>
    worker.events.once('task:succeeded', (e) => resolve(e.id)),
  );
  const sent = await record.applyAsync([], { queue: QUEUE });
  expect(await last).toBe(sent.id);
  expect(worker.ready).toBe(true);
  await worker.stop();
  const { ready, reserved, delayed } = await app.broker.stats(QUEUE);
  expect({ ready, reserved, delayed }).toEqual({ ready: 0, reserved: 0, delayed: 0 });
  return outcomes.reasons;
}

/** A wire envelope for one of the fuzz tasks, with the given fields over it. */
const wire = (fields: Record<string, unknown>) =>
  encode(JSON.stringify({ task: 'fuzz.record', args: [], ...fields }));

const recordStep = { kind: 'task', task: 'fuzz.record', args: [], options: {} };

/** Shapes found by the property, run first on the same worker; every one stays. */
const FOUND: Case[][] = [
  // A chord seat of two billion members: the memory backend's join allocated an array of that
  // size on the first member and the worker's process ran out of heap.
  [
    {
      id: 'huge-chord',
      priority: undefined,
      body: wire({ chord: { id: 'c1', size: 2_147_483_647, index: 0, body: recordStep } }),
    },
  ],
  // Steps whose options sending refuses (a priority out of range, a countdown that is not a
  // duration or past the last Date, an id that is not a string): the parent ran, could not
  // send them, and stayed reserved without an outcome, run again at every lease. Now they are
  // malformed on receipt.
  ...[
    { links: [{ ...recordStep, options: { priority: -5 } }] },
    { links: [{ ...recordStep, options: { countdown: 'abc' } }] },
    { links: [{ ...recordStep, options: { countdown: 1e308 } }] },
    { links: [{ ...recordStep, options: { id: [] } }] },
    { chain: [{ ...recordStep, options: { eta: 'later' } }] },
    { expires: '2000-01-01T00:00:00Z', errbacks: [{ ...recordStep, options: { priority: 12 } }] },
    // A chain without steps, as a link or an error callback: found at 10,000 runs.
    { links: [{ kind: 'chain', steps: [] }] },
    { task: 'fuzz.throw', errbacks: [{ kind: 'chain', steps: [] }] },
  ].map((fields, i) => [{ id: `unsendable-step-${i}`, priority: undefined, body: wire(fields) }]),
];

const REDIS_SKIP = requireRedisReason();
const KINDS: BrokerKind[] = [...BROKERS, 'redis'];

describe.each(KINDS)('the worker invariant on the %s broker', (kind) => {
  const skipReason = kind === 'redis' ? REDIS_SKIP : undefined;
  if (skipReason !== undefined) {
    process.stderr.write(`skipping the worker invariant on redis: ${skipReason}\n`);
    it.skipIf(true)(`skipped: ${skipReason}`, () => {});
    return;
  }
  const h = harness(kind);

  it(
    'gives every raw message exactly one outcome and keeps consuming',
    () => checkInvariant(h, FOUND),
    TEST_MS,
  );
});

describe('a fan-out where a chord member runs', () => {
  const h = harness('memory');
  const group = { kind: 'group', members: [recordStep] };
  const chord = { kind: 'chord', members: [group], body: recordStep };

  // The planner refuses a group ending a chord member; the parent ran, could not send its link
  // and stayed reserved, run again at every lease. Now it is dead-lettered with the reason.
  it('dead-letters the parent whose next steps can never be sent', async () => {
    const found = [[{ id: 'group-in-chord', priority: undefined, body: wire({ links: [chord] }) }]];
    const reasons = await checkInvariant(h, found, { settleMs: 2_000, runs: 0 });
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(UNSENDABLE);
    expect(reasons[0]).toMatch(/a group cannot end a chord member/);
  }, 60_000);
});
