import type { Command } from 'commander';
import type { App } from '../../app/app.ts';
import type { ClusterEvent } from '../../events/cluster-event.ts';
import { EventTally } from '../events/event-tally.ts';
import { formatEventLine } from '../events/format-event.ts';
import { renderScreen } from '../events/render-screen.ts';
import { onQuitKey, TerminalScreen } from '../events/terminal-screen.ts';
import { CliError, loadApp } from '../load-app.ts';
import { duration } from '../parse-options.ts';
import { exitAfterLogs, writeSafely } from '../quiet-output.ts';

interface EventsFlags {
  app?: string;
  broker?: string;
  dump?: boolean;
  json?: boolean;
  interval: number;
}

/** Width of the view when the terminal does not say. */
const FALLBACK_COLUMNS = 100;

/** `celeriac events`: the cluster's task and worker events, as a live view or a line stream. */
export function registerEvents(program: Command): void {
  program
    .command('events')
    .description(
      "watch the cluster's task and worker events (from workers started with --events): a live view, or --dump for a line stream",
    )
    .option('-A, --app <module>', 'task module that exports the app')
    .option(
      '-b, --broker <url>',
      'broker URL (default: CELERIAC_BROKER_URL or the embedded SQLite file)',
    )
    .option('--dump', 'print one line per event as it comes, instead of the live view')
    .option('--json', 'with --dump: print each event as its JSON')
    .option('--interval <duration>', 'how often the live view redraws', duration, 1000)
    .action(async (flags: EventsFlags) => showEvents(flags));
}

async function showEvents(flags: EventsFlags): Promise<void> {
  if (flags.json && !flags.dump) throw new CliError('--json goes with --dump', 2);
  if (!(flags.interval > 0)) throw new CliError('--interval must be longer than 0', 2);
  if (!flags.dump && !process.stdout.isTTY) {
    process.stderr.write(
      'celeriac events: stdout is not a terminal; use --dump for a line stream\n',
    );
    process.exitCode = 2;
    return;
  }
  const app = await loadApp(flags);
  try {
    if (flags.dump) await dumpEvents(app, flags.json ?? false);
    else await watchEvents(app, flags.interval);
  } finally {
    await app.close();
  }
  await exitAfterLogs(0);
}

/** Prints each event on its own line until a signal, or until stdout is closed. */
async function dumpEvents(app: App, json: boolean): Promise<void> {
  const format = json ? (event: ClusterEvent) => JSON.stringify(event) : formatEventLine;
  const stopped = stopSignal();
  // A reader that went away (`| head`) or a full disk ends the stream instead of failing on a
  // write: a pipe reports it as an 'error' event, a file by throwing.
  process.stdout.on('error', stopped.stop);
  const unsubscribe = await app.events.receive((event) => {
    if (!writeSafely(process.stdout, `${format(event)}\n`)) stopped.stop();
  });
  try {
    await stopped.promise;
  } finally {
    await unsubscribe();
  }
}

/** Redraws the live view every `intervalMs` until `q`, Ctrl-C or a signal. */
async function watchEvents(app: App, intervalMs: number): Promise<void> {
  const tally = new EventTally(Date.now());
  const unsubscribe = await app.events.receive((event) => tally.add(event));
  tally.addWorkers((await app.coordination.workers?.list().catch(() => undefined)) ?? []);
  const screen = new TerminalScreen(process.stdout);
  const draw = () =>
    screen.draw(
      renderScreen(tally.snapshot(Date.now()), {
        broker: app.brokerLabel,
        columns: process.stdout.columns || FALLBACK_COLUMNS,
        rows: process.stdout.rows || undefined,
      }),
    );
  const stopped = stopSignal();
  const releaseKeys = onQuitKey(process.stdin, stopped.stop);
  const timer = setInterval(() => {
    tally.roll(Date.now());
    draw();
  }, intervalMs);
  screen.enter();
  draw();
  process.stdout.on('resize', draw);
  try {
    await stopped.promise;
  } finally {
    clearInterval(timer);
    process.stdout.removeListener('resize', draw);
    releaseKeys();
    screen.leave();
    await unsubscribe();
  }
}

/** Resolves on SIGINT or SIGTERM, or when `stop()` is called; keeps the process up till then. */
function stopSignal(): { promise: Promise<void>; stop: () => void } {
  let stop = () => {};
  // A broker that holds no open handle (memory, an idle subscription) would let Node exit.
  const keepAlive = setInterval(() => {}, 60_000);
  const promise = new Promise<void>((resolve) => {
    stop = () => {
      clearInterval(keepAlive);
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return { promise, stop };
}
