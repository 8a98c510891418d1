import { describe, expect, it } from 'vitest';
import { type CheckInput, check, type Fault } from '../../../chaos/harness/checker.ts';
import { type LedgerEntry, parseLine } from '../../../chaos/harness/ledger.ts';

const PRODUCER = 100;
const WORKER = 200;
const VICTIM = 300;

/** Ledger entries from lines `<kind> <key> [pid] [at]`, as the processes would write them. */
function ledger(...lines: string[]): LedgerEntry[] {
  return lines.map((text, i) => {
    const [kind, key, pid, at] = text.split(' ');
    const entry = parseLine(`${kind} ${key} ${pid ?? WORKER} ${at ?? 1000 + i}`);
    if (!entry) throw new Error(`bad synthetic line: ${text}`);
    return entry;
  });
}

const sent = (...keys: string[]) =>
  keys.flatMap((k) => [`attempt ${k} ${PRODUCER}`, `accepted ${k} ${PRODUCER}`]);
const ran = (key: string, pid = WORKER) => [`start ${key} ${pid}`, `end ${key} ${pid}`];
const kill: Fault = { what: 'kill -9', at: 5000, endedAt: 5000, pids: [VICTIM], inFlight: 2 };

function input(entries: LedgerEntry[], extra: Partial<CheckInput> = {}): CheckInput {
  return {
    scenario: 'synthetic',
    broker: 'sqlite',
    entries,
    dead: new Map(),
    leftover: { ready: 0, reserved: 0, delayed: 0 },
    faults: [],
    ...extra,
  };
}

describe('the chaos checker', () => {
  it('passes a clean run and counts what was sent, accepted and run', () => {
    const report = check(input(ledger(...sent('a', 'b'), ...ran('a'), ...ran('b'))));
    expect(report).toMatchObject({
      sent: 2,
      accepted: 2,
      run: 2,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
    });
    expect(report.violations).toEqual([]);
  });

  it('reports an accepted task that never ran as lost', () => {
    const report = check(input(ledger(...sent('a', 'b'), ...ran('a'))));
    expect(report.lost).toBe(1);
    expect(report.violations).toEqual(['1 accepted tasks never ran: b']);
  });

  it('counts a run cut short by a kill, and never redone, as lost', () => {
    const report = check(input(ledger(...sent('a'), `start a ${VICTIM}`), { faults: [kill] }));
    expect(report.lost).toBe(1);
  });

  it('counts a dead letter with a reason as an outcome, one without a reason as a violation', () => {
    const dead = new Map([
      ['a', 'rejected: bad input'],
      ['b', ''],
    ]);
    const report = check(input(ledger(...sent('a', 'b')), { dead }));
    expect(report.lost).toBe(1);
    expect(report.violations).toContain('dead letters without a reason: b');
  });

  it('reports a task that both ran and was dead-lettered: two final states', () => {
    const dead = new Map([['a', 'rejected: bad input']]);
    const report = check(input(ledger(...sent('a'), ...ran('a')), { dead }));
    expect(report.violations).toEqual(['tasks both ran and were dead-lettered: a']);
  });

  it('accepts duplicates within the in-flight bound when a faulted process ran them first', () => {
    const entries = ledger(
      ...sent('a', 'b'),
      `start a ${VICTIM}`,
      `start b ${VICTIM}`,
      ...ran('a'),
      ...ran('b'),
    );
    const report = check(input(entries, { faults: [kill] }));
    expect(report).toMatchObject({ duplicated: 2, inFlightBound: 2, lost: 0 });
    expect(report.violations).toEqual([]);
  });

  it('reports duplicates beyond the in-flight bound', () => {
    const keys = ['a', 'b', 'c'];
    const victimRuns = keys.map((k) => `start ${k} ${VICTIM}`);
    const report = check(
      input(ledger(...sent(...keys), ...victimRuns, ...keys.flatMap((k) => ran(k))), {
        faults: [kill],
      }),
    );
    expect(report.duplicated).toBe(3);
    expect(report.violations).toEqual(['3 duplicate runs exceed the in-flight bound 2']);
  });

  it('reports a task run twice with no fault on either run', () => {
    const report = check(input(ledger(...sent('a'), ...ran('a'), ...ran('a')), { faults: [kill] }));
    expect(report.violations).toEqual(['tasks ran twice with no fault on either run: a']);
  });

  it('reports a task that ran but was never attempted as unexpected', () => {
    const report = check(input(ledger(...sent('a'), ...ran('a'), ...ran('ghost'))));
    expect(report.unexpected).toBe(1);
    expect(report.violations).toEqual(['1 tasks ran that were never sent: ghost']);
  });

  it('lets an attempted but unaccepted task run, or not', () => {
    const entries = ledger(`attempt a ${PRODUCER}`, `attempt b ${PRODUCER}`, ...ran('a'));
    const report = check(input(entries));
    expect(report).toMatchObject({ sent: 2, accepted: 0, lost: 0, unexpected: 0 });
    expect(report.violations).toEqual([]);
  });

  it('reports messages left in the broker after the drain', () => {
    const report = check(
      input(ledger(...sent('a'), ...ran('a')), { leftover: { ready: 0, reserved: 3, delayed: 1 } }),
    );
    expect(report.violations).toEqual([
      'messages left in the broker: 0 ready, 3 reserved, 1 delayed',
    ]);
  });

  it('measures recovery from the fault to the first task ended after it, the worst fault', () => {
    const entries = ledger(
      ...sent('a', 'b'),
      'start a 200 4000',
      'end a 200 5300',
      'start b 200 9000',
      'end b 200 9500',
    );
    const late: Fault = { ...kill, at: 9100, endedAt: 9100 };
    expect(check(input(entries, { faults: [kill, late] })).recoverMs).toBe(400);
    expect(check(input(entries, { faults: [kill] })).recoverMs).toBe(300);
    expect(check(input(entries)).recoverMs).toBeUndefined();
  });

  it('keeps the scenario’s own violations and reports torn ledger lines', () => {
    const report = check(
      input(ledger(...sent('a'), ...ran('a')), { violations: ['callback ran twice'], torn: 1 }),
    );
    expect(report.violations).toEqual(['callback ran twice', '1 ledger lines were cut short']);
  });
});

describe('ledger lines', () => {
  it('parses a full line with its detail', () => {
    expect(parseLine('rejected k-1 42 1700000000000 10003 could not publish')).toEqual({
      kind: 'rejected',
      key: 'k-1',
      pid: 42,
      at: 1700000000000,
      detail: '10003 could not publish',
    });
  });

  it.each([
    '',
    'start',
    'start k-1',
    'start k-1 42',
    'start k-1 4x 1',
    'begin k-1 42 1',
    'end k-1 42 17000x',
  ])('refuses the cut-short or foreign line %j', (text) => {
    expect(parseLine(text)).toBeUndefined();
  });
});
