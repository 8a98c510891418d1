import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Command, type Option } from 'commander';
import { CliError } from '../load-app.ts';
import {
  type MultiNode,
  type MultiPlan,
  parseMultiArgs,
  type WorkerOption,
} from '../multi/node-args.ts';
import { type PidState, pidState, readPid, removePid, writePid } from '../multi/pidfile.ts';
import { signalPid, spawnWorker, waitGone } from '../multi/processes.ts';
import { ignoreStdioWriteErrors, writeSafely } from '../quiet-output.ts';
import { registerWorker } from './worker.ts';

/** `celeriac multi`: start, stop, restart, check or kill named worker nodes in the background. */
export function registerMulti(program: Command): void {
  program
    .command('multi')
    .description('run named workers in the background: start, stop, restart, status, kill')
    .usage('<start|stop|restart|status|kill> <node...> [options]')
    // `-c:high 2` is no option commander can declare: the arguments are parsed by multi itself.
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .addHelpText('after', helpText)
    .action(async (_flags: unknown, command: Command) => {
      if (command.args.some((arg) => arg === '-h' || arg === '--help')) command.help();
      const plan = parseMultiArgs(command.args, workerOptions(), hostname());
      const code = await runMulti(plan);
      if (code !== 0) process.exitCode = code;
    });
}

/** The options of `celeriac worker`, read from its own definition so the two never drift. */
function workerOptions(): WorkerOption[] {
  const scratch = new Command();
  registerWorker(scratch);
  const options = scratch.commands.find((c) => c.name() === 'worker')?.options ?? [];
  return options.flatMap((option) => (option.long ? [toWorkerOption(option, option.long)] : []));
}

function toWorkerOption(option: Option, long: string): WorkerOption {
  return {
    short: option.short,
    long,
    takesValue: option.required || option.optional,
    mandatory: option.mandatory,
    check: (value) => {
      if (option.argChoices && !option.argChoices.includes(value)) {
        throw new Error(`Allowed choices are ${option.argChoices.join(', ')}.`);
      }
      option.parseArg?.(value, undefined);
    },
  };
}

function helpText(): string {
  const passed = workerOptions()
    .filter((o) => o.long !== '--hostname')
    .map((o) => o.short ?? o.long);
  return `
Actions:
  start    start a detached \`celeriac worker\` per node, named <node>@<host>
  stop     send SIGTERM and wait until each node has finished its running tasks and exited
  restart  stop, then start
  status   one line per node; exit code 0 when every node runs, 3 otherwise
  kill     send SIGKILL (running tasks go back to the queue when their leases run out)

Options:
  --pidfile <pattern>   pid file of each node (default: ./%n.pid)
  --logfile <pattern>   log file of each node, appended to (default: ./%n.log)
  --timeout <duration>  how long stop and kill wait for the nodes to exit (default: 60s)
  -h, --help            display help for command
  and the options of celeriac worker: ${passed.join(', ')}

  An option applies to every node; -x:node or --xxx:node applies to that node only.
  In option values %n is the node name, %h the host name and %% a percent sign.

Examples:
  celeriac multi start high low -A ./tasks.ts -c:high 2 -c:low 6 -Q:high urgent -Q:low emails,urgent
  celeriac multi status high low
  celeriac multi stop high low --timeout 2m
`;
}

async function runMulti(plan: MultiPlan): Promise<number> {
  ignoreStdioWriteErrors();
  const { nodes, timeoutMs } = plan;
  switch (plan.action) {
    case 'start':
      checkModules(nodes);
      return start(nodes);
    case 'stop':
      return stop(nodes, timeoutMs);
    case 'restart': {
      checkModules(nodes);
      const stopped = await stop(nodes, timeoutMs);
      return Math.max(stopped, start(nodes));
    }
    case 'status':
      return status(nodes);
    case 'kill':
      return kill(nodes, timeoutMs);
  }
}

// A detached worker that cannot load its module dies with the reason in its log file only:
// catch the common typo here, before anything is started.
function checkModules(nodes: MultiNode[]): void {
  for (const node of nodes) {
    const app = node.workerArgs[node.workerArgs.lastIndexOf('--app') + 1];
    if (app !== undefined && !existsSync(resolve(app))) {
      throw new CliError(`task module not found: ${app}`);
    }
  }
}

// A reader gone mid-stop must not end multi before every node is signalled and its pid file tidied.
function say(node: MultiNode, text: string): void {
  writeSafely(process.stdout, `> ${node.fullName}: ${text}\n`);
}

function start(nodes: MultiNode[]): number {
  let code = 0;
  for (const node of nodes) {
    const current = pidState(node.pidfile);
    if (current.state === 'running') {
      say(node, `already running (pid ${current.pid}), not started`);
      code = 1;
      continue;
    }
    if (current.state === 'stale') {
      removePid(node.pidfile);
      say(node, `removed stale pid file ${node.pidfile}`);
    }
    const pid = spawnWorker(node);
    writePid(node.pidfile, pid);
    say(node, `started (pid ${pid})`);
  }
  return code;
}

async function stop(nodes: MultiNode[], timeoutMs: number): Promise<number> {
  const signalled = signalAll(nodes, 'SIGTERM', (node, pid) =>
    say(node, `stopping (SIGTERM to pid ${pid})`),
  );
  return awaitExit(signalled, timeoutMs, (node) => say(node, 'stopped'));
}

async function kill(nodes: MultiNode[], timeoutMs: number): Promise<number> {
  const signalled = signalAll(nodes, 'SIGKILL', () => {});
  return awaitExit(signalled, timeoutMs, (node, pid) => say(node, `killed (pid ${pid})`));
}

/** Signals every running node; reports and tidies the others. The signalled ones by pid. */
function signalAll(
  nodes: MultiNode[],
  signal: NodeJS.Signals,
  onSent: (node: MultiNode, pid: number) => void,
): Map<number, MultiNode> {
  const signalled = new Map<number, MultiNode>();
  for (const node of nodes) {
    const current = pidState(node.pidfile);
    if (current.state === 'running' && signalPid(current.pid, signal)) {
      signalled.set(current.pid, node);
      onSent(node, current.pid);
      continue;
    }
    if (current.state === 'stopped') {
      say(node, 'not running');
    } else {
      removePid(node.pidfile);
      say(node, `not running (removed stale pid file ${node.pidfile})`);
    }
  }
  return signalled;
}

/** Waits for the signalled nodes to exit and removes their pid files; 1 if any outlived it. */
async function awaitExit(
  signalled: Map<number, MultiNode>,
  timeoutMs: number,
  onGone: (node: MultiNode, pid: number) => void,
): Promise<number> {
  const nodeOf = (pid: number) => signalled.get(pid) as MultiNode;
  const left = await waitGone([...signalled.keys()], timeoutMs, (pid) => {
    const node = nodeOf(pid);
    // Only our own pid file: a start that raced this one may have written a new one.
    if (readPid(node.pidfile) === pid) removePid(node.pidfile);
    onGone(node, pid);
  });
  for (const pid of left)
    say(nodeOf(pid), `still running after ${formatMs(timeoutMs)} (pid ${pid})`);
  return left.length > 0 ? 1 : 0;
}

function status(nodes: MultiNode[]): number {
  let allRunning = true;
  for (const node of nodes) {
    const current = pidState(node.pidfile);
    if (current.state !== 'running') allRunning = false;
    writeSafely(process.stdout, `${node.name}: ${describe(current)}\n`);
  }
  // As LSB init scripts do: 3 is "not running".
  return allRunning ? 0 : 3;
}

function describe(current: PidState): string {
  if (current.state === 'running') return `running (pid ${current.pid})`;
  if (current.state === 'stopped') return 'stopped';
  return current.pid === undefined
    ? 'stale pid file (no pid in it)'
    : `stale pid file (pid ${current.pid} is not running)`;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
