import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/load-app.ts';
import { expandPattern, parseMultiArgs, type WorkerOption } from '../../src/cli/multi/node-args.ts';
import { duration, positiveInt, queueList } from '../../src/cli/parse-options.ts';

// The shape multi reads from `celeriac worker`'s own definition.
const OPTIONS: WorkerOption[] = [
  { short: '-A', long: '--app', takesValue: true, mandatory: true },
  { short: '-Q', long: '--queues', takesValue: true, mandatory: false, check: queueList },
  { short: '-c', long: '--concurrency', takesValue: true, mandatory: false, check: positiveInt },
  { short: '-n', long: '--hostname', takesValue: true, mandatory: false },
  { long: '--lease', takesValue: true, mandatory: false, check: duration },
  { long: '--verbose', takesValue: false, mandatory: false },
];

const parse = (line: string) => parseMultiArgs(line ? line.split(' ') : [], OPTIONS, 'box');

/** The error a command line is refused with; fails if it is accepted. */
function refusal(line: string): { message: string; exitCode: number } {
  try {
    parse(line);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return { message: (error as Error).message, exitCode: (error as CliError).exitCode };
  }
  throw new Error(`accepted: ${line}`);
}

describe('multi command line', () => {
  it('gives each node the common options, then its own', () => {
    const plan = parse(
      'start high low -A ./tasks.ts -c:high 2 -c:low 6 -Q:high urgent -Q:low emails,urgent',
    );
    expect(plan.action).toBe('start');
    expect(plan.nodes.map((n) => [n.name, n.fullName, n.workerArgs])).toEqual([
      [
        'high',
        'high@box',
        [
          '--hostname',
          'high@box',
          '--app',
          './tasks.ts',
          '--concurrency',
          '2',
          '--queues',
          'urgent',
        ],
      ],
      [
        'low',
        'low@box',
        [
          '--hostname',
          'low@box',
          '--app',
          './tasks.ts',
          '--concurrency',
          '6',
          '--queues',
          'emails,urgent',
        ],
      ],
    ]);
  });

  it('puts a node option after the common one, so the worker keeps the node value', () => {
    const [high, low] = parse('start high low -c:high 2 -A t.ts -c 4').nodes;
    expect(high?.workerArgs).toEqual([
      '--hostname',
      'high@box',
      '--app',
      't.ts',
      '--concurrency',
      '4',
      '--concurrency',
      '2',
    ]);
    expect(low?.workerArgs).toEqual([
      '--hostname',
      'low@box',
      '--app',
      't.ts',
      '--concurrency',
      '4',
    ]);
  });

  it('takes long options, --opt=value, --opt:node=value and flags without a value', () => {
    const [a] = parse('start a --app=t.ts --concurrency:a=3 --lease 1m --verbose:a').nodes;
    expect(a?.workerArgs).toEqual([
      '--hostname',
      'a@box',
      '--app',
      't.ts',
      '--lease',
      '1m',
      '--concurrency',
      '3',
      '--verbose',
    ]);
  });

  it('takes node names after options too', () => {
    expect(parse('stop -c 2 a b').nodes.map((n) => n.name)).toEqual(['a', 'b']);
  });

  it('defaults the pid and log files to ./<node>.pid and ./<node>.log', () => {
    const [a] = parse('status a').nodes;
    expect([a?.pidfile, a?.logfile]).toEqual(['./a.pid', './a.log']);
  });

  it('expands %n and %h in file patterns and option values, per node', () => {
    const [a, b] = parse(
      'start a b -A t.ts -Q %n --pidfile run/%n@%h.pid --logfile log/%n.log --logfile:b b-own.log',
    ).nodes;
    expect([a?.pidfile, a?.logfile, a?.workerArgs.at(-1)]).toEqual([
      'run/a@box.pid',
      'log/a.log',
      'a',
    ]);
    expect([b?.pidfile, b?.logfile, b?.workerArgs.at(-1)]).toEqual([
      'run/b@box.pid',
      'b-own.log',
      'b',
    ]);
    expect(expandPattern('100%%-%n', 'x', 'h')).toBe('100%-x');
  });

  it('reads --timeout, 60s by default', () => {
    expect(parse('stop a').timeoutMs).toBe(60_000);
    expect(parse('stop a --timeout 2m').timeoutMs).toBe(120_000);
  });

  it('needs -A only to start', () => {
    for (const action of ['stop', 'status', 'kill'])
      expect(parse(`${action} a b`).nodes).toHaveLength(2);
    expect(parse('restart a -A t.ts').action).toBe('restart');
    expect(parse('start a b -A:a t.ts -A:b u.ts').nodes).toHaveLength(2);
  });

  it.each([
    ['', 'multi: name an action: start, stop, restart, status, kill'],
    ['launch a', 'multi: unknown action "launch" (actions: start, stop, restart, status, kill)'],
    ['start', 'multi: no node names given (e.g. celeriac multi start high low -A ./tasks.ts)'],
    [
      'start -A t.ts',
      'multi: no node names given (e.g. celeriac multi start high low -A ./tasks.ts)',
    ],
    [
      'start high low -A t.ts -c:medium 2',
      'multi: option -c:medium names an unknown node "medium" (nodes: high, low)',
    ],
    ['start a -A', 'multi: option -A needs a value'],
    ['start a -c:a -A t.ts', 'multi: option -c:a needs a value'],
    [
      'start a -A t.ts --bogus 1',
      'multi: unknown option --bogus (see celeriac multi --help and celeriac worker --help)',
    ],
    [
      'start a -A t.ts -n x@h',
      'multi: option -n is not allowed: multi names each node <node>@<host> itself',
    ],
    [
      'start a -A t.ts -c:a lots',
      `multi: option -c:a argument 'lots' is invalid. expected a positive integer, got "lots"`,
    ],
    [
      'start a -A t.ts -c %n',
      `multi: option -c argument 'a' is invalid. expected a positive integer, got "a"`,
    ],
    [
      'stop a --timeout soon',
      `multi: option --timeout argument 'soon' is invalid. expected a duration such as 500ms, 30s, 5m, 2h or 1d, got "soon"`,
    ],
    [
      'stop a --timeout:a 1s',
      'multi: option --timeout:a: --timeout applies to the whole command, not to a node',
    ],
    ['start a --verbose=yes -A t.ts', 'multi: option --verbose takes no value'],
    ['start a b a -A t.ts', 'multi: node "a" is named twice'],
    ['start a@h -A t.ts', 'multi: invalid node name "a@h": use letters, digits, ".", "_" and "-"'],
    ['start a b -A:a t.ts', 'multi: option -A, --app is required (missing for: b)'],
  ])('refuses %j with exit code 2', (line, message) => {
    expect(refusal(line)).toEqual({ message, exitCode: 2 });
  });
});
