import { parseDuration } from '../../time/duration.ts';
import { CliError } from '../load-app.ts';

/** The actions of `celeriac multi`. */
export const ACTIONS = ['start', 'stop', 'restart', 'status', 'kill'] as const;
export type MultiAction = (typeof ACTIONS)[number];

/** A `celeriac worker` option that multi passes through, as commander describes it. */
export interface WorkerOption {
  short?: string;
  long: string;
  takesValue: boolean;
  /** The worker refuses to start without it (`-A`). */
  mandatory: boolean;
  /** Throws with the reason when the value is not valid for the worker. */
  check?: (value: string) => void;
}

/** One node: its names, files and the arguments of its `celeriac worker` command. */
export interface MultiNode {
  name: string;
  /** `<name>@<host>`, passed to the worker as `-n`. */
  fullName: string;
  pidfile: string;
  logfile: string;
  workerArgs: string[];
}

/** What a `celeriac multi` command line asks for, checked. */
export interface MultiPlan {
  action: MultiAction;
  nodes: MultiNode[];
  timeoutMs: number;
}

const DEFAULTS = { pidfile: './%n.pid', logfile: './%n.log', timeout: '60s' };
const NODE_NAME = /^[\w.-]+$/;
// The worker takes its node name from multi: a second one on the command line would fight it.
const SET_BY_MULTI = ['-n', '--hostname'];

type MultiKey = 'pidfile' | 'logfile' | 'timeout';

/** One option found on the command line, with the node it is for (none: every node). */
interface Setting {
  key: MultiKey | WorkerOption;
  /** The option as typed, `-c:high`, for messages. */
  text: string;
  node?: string;
  value?: string;
}

/** Parses `<action> <node...> [options]` into a plan; throws CliError (exit 2) on bad input. */
export function parseMultiArgs(
  argv: string[],
  workerOptions: WorkerOption[],
  hostname: string,
): MultiPlan {
  const { positionals, settings } = tokenize(argv, workerOptions);
  const [action, ...names] = positionals;
  const checkedAction = checkAction(action);
  checkNames(names);
  for (const setting of settings) checkSetting(setting, names);
  const timeout = lastValue(settings, 'timeout') ?? DEFAULTS.timeout;
  const nodes = names.map((name) => buildNode(name, settings, hostname));
  if (checkedAction === 'start' || checkedAction === 'restart') {
    checkMandatory(nodes, settings, workerOptions);
  }
  return { action: checkedAction, nodes, timeoutMs: parseDuration(timeout) };
}

/** Replaces `%n` with the node name, `%h` with the host name and `%%` with `%`. */
export function expandPattern(pattern: string, name: string, hostname: string): string {
  return pattern.replace(/%[nh%]/g, (m) => (m === '%n' ? name : m === '%h' ? hostname : '%'));
}

function usage(message: string): CliError {
  return new CliError(`multi: ${message}`, 2);
}

function tokenize(argv: string[], workerOptions: WorkerOption[]) {
  const positionals: string[] = [];
  const settings: Setting[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (!token.startsWith('-') || token === '-') {
      positionals.push(token);
      continue;
    }
    const setting = splitFlag(token, workerOptions);
    const takesValue = typeof setting.key === 'string' || setting.key.takesValue;
    if (!takesValue && setting.value !== undefined) {
      throw usage(`option ${setting.text} takes no value`);
    }
    if (takesValue && setting.value === undefined) {
      const next = argv[i + 1];
      // A following option means the value was forgotten, not that it starts with a dash.
      if (next === undefined || next.startsWith('-'))
        throw usage(`option ${setting.text} needs a value`);
      setting.value = next;
      i++;
    }
    settings.push(setting);
  }
  return { positionals, settings };
}

/** `--opt:node=value` into its parts; the option must be one multi or the worker knows. */
function splitFlag(token: string, workerOptions: WorkerOption[]): Setting {
  const eq = token.indexOf('=');
  const text = eq === -1 ? token : token.slice(0, eq);
  const value = eq === -1 ? undefined : token.slice(eq + 1);
  const colon = text.indexOf(':');
  const flag = colon === -1 ? text : text.slice(0, colon);
  const node = colon === -1 ? undefined : text.slice(colon + 1);
  if (SET_BY_MULTI.includes(flag)) {
    throw usage(`option ${flag} is not allowed: multi names each node <node>@<host> itself`);
  }
  const key = multiKey(flag) ?? workerOptions.find((o) => o.short === flag || o.long === flag);
  if (key === undefined) {
    throw usage(`unknown option ${flag} (see celeriac multi --help and celeriac worker --help)`);
  }
  return { key, text, node, value };
}

function multiKey(flag: string): MultiKey | undefined {
  if (flag === '--pidfile' || flag === '--logfile' || flag === '--timeout') {
    return flag.slice(2) as MultiKey;
  }
  return undefined;
}

function checkAction(action: string | undefined): MultiAction {
  if (action === undefined) throw usage(`name an action: ${ACTIONS.join(', ')}`);
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw usage(`unknown action "${action}" (actions: ${ACTIONS.join(', ')})`);
  }
  return action as MultiAction;
}

function checkNames(names: string[]): void {
  if (names.length === 0) {
    throw usage('no node names given (e.g. celeriac multi start high low -A ./tasks.ts)');
  }
  for (const [i, name] of names.entries()) {
    if (!NODE_NAME.test(name)) {
      throw usage(`invalid node name "${name}": use letters, digits, ".", "_" and "-"`);
    }
    if (names.indexOf(name) !== i) throw usage(`node "${name}" is named twice`);
  }
}

function checkSetting(setting: Setting, names: string[]): void {
  if (setting.node !== undefined && !names.includes(setting.node)) {
    throw usage(
      `option ${setting.text} names an unknown node "${setting.node}" (nodes: ${names.join(', ')})`,
    );
  }
  if (setting.key === 'timeout' && setting.node !== undefined) {
    throw usage(`option ${setting.text}: --timeout applies to the whole command, not to a node`);
  }
  if (setting.key === 'timeout' && setting.value !== undefined) {
    checkValue(setting, setting.value, parseDuration);
  }
}

/** Runs a value check, turning its complaint into a usage error that names the option. */
function checkValue(setting: Setting, value: string, check: (value: string) => unknown): void {
  try {
    check(value);
  } catch (error) {
    throw usage(
      `option ${setting.text} argument '${value}' is invalid. ${(error as Error).message}`,
    );
  }
}

/** The value of a multi option for a node: its own setting wins over the common one. */
function lastValue(settings: Setting[], key: MultiKey, node?: string): string | undefined {
  const mine = settings.filter((s) => s.key === key && s.node === node);
  const common = settings.filter((s) => s.key === key && s.node === undefined);
  return (mine.at(-1) ?? common.at(-1))?.value;
}

function buildNode(name: string, settings: Setting[], hostname: string): MultiNode {
  const expand = (pattern: string) => expandPattern(pattern, name, hostname);
  const fullName = `${name}@${hostname}`;
  return {
    name,
    fullName,
    pidfile: expand(lastValue(settings, 'pidfile', name) ?? DEFAULTS.pidfile),
    logfile: expand(lastValue(settings, 'logfile', name) ?? DEFAULTS.logfile),
    workerArgs: ['--hostname', fullName, ...workerArgsOf(name, settings, expand)],
  };
}

/** The worker options for one node, expanded and checked. */
function workerArgsOf(name: string, settings: Setting[], expand: (v: string) => string): string[] {
  // Common options first, the node's own after them: the worker keeps the last value it reads.
  const ordered = [
    ...settings.filter((s) => s.node === undefined),
    ...settings.filter((s) => s.node === name),
  ];
  return ordered.flatMap((setting) => {
    const { key, value } = setting;
    if (typeof key === 'string') return [];
    if (value === undefined) return [key.long];
    // Checked once expanded: `-Q %n` is a valid queue only once %n is the node name.
    const expanded = expand(value);
    if (key.check) checkValue(setting, expanded, key.check);
    return [key.long, expanded];
  });
}

function checkMandatory(nodes: MultiNode[], settings: Setting[], options: WorkerOption[]): void {
  for (const option of options.filter((o) => o.mandatory)) {
    const given = (node?: string) => settings.some((s) => s.key === option && s.node === node);
    if (given(undefined)) continue;
    const missing = nodes.filter((n) => !given(n.name)).map((n) => n.name);
    if (missing.length > 0) {
      const flags = [option.short, option.long].filter(Boolean).join(', ');
      throw usage(`option ${flags} is required (missing for: ${missing.join(', ')})`);
    }
  }
}
