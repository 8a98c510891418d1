import { Argument, type Command } from 'commander';
import type { App } from '../../app/app.ts';
import { DEFAULT_BEAT_GROUP } from '../../beat/beat-control.ts';
import { Scheduler } from '../../beat/scheduler.ts';
import { ConfigError } from '../../errors/errors.ts';
import { formatEntries, listEntries } from '../beat/beat-list.ts';
import { CliError, loadApp } from '../load-app.ts';
import { duration, logLevelOption } from '../parse-options.ts';
import { exitAfterLogs, ignoreStdioWriteErrors, logSafely } from '../quiet-output.ts';

interface BeatFlags {
  app: string;
  broker?: string;
  loglevel?: string;
  group?: string;
  lease?: number;
  json?: boolean;
}

/** `celeriac beat`: run a scheduler until SIGTERM/SIGINT; `celeriac beat list`: show entries. */
export function registerBeat(program: Command): void {
  program
    .command('beat')
    .description('run the periodic-task scheduler (one leads per group), or list its entries')
    .addArgument(
      new Argument('[action]', 'list: print the entries instead of running').choices(['list']),
    )
    .requiredOption('-A, --app <module>', 'task module that exports the app')
    .option('-b, --broker <url>', 'broker URL, overriding the app config')
    .option('--group <name>', `scheduler group (default ${DEFAULT_BEAT_GROUP})`)
    .option('--lease <duration>', 'leadership lease, renewed while leading (default 10s)', duration)
    .option('--json', 'with list: print JSON')
    .addOption(logLevelOption())
    .action(async (action: string | undefined, flags: BeatFlags) =>
      action === 'list' ? showEntries(flags) : runBeat(flags),
    );
}

async function showEntries(flags: BeatFlags): Promise<void> {
  const app = await loadApp(flags);
  try {
    const rows = await listEntries(app, flags.group ?? DEFAULT_BEAT_GROUP, Date.now());
    process.stdout.write(flags.json ? `${JSON.stringify(rows)}\n` : formatEntries(rows));
  } finally {
    await app.close();
  }
}

async function runBeat(flags: BeatFlags): Promise<void> {
  ignoreStdioWriteErrors();
  const app = await loadApp(flags);
  const scheduler = buildScheduler(app, flags);
  await runUntilSignal(app, scheduler);
  await app.close();
  await exitAfterLogs(0);
}

/** The scheduler, or a usage error (exit 2) for flags that do not fit; exit 1 without a store. */
export function buildScheduler(app: App, flags: { group?: string; lease?: number }): Scheduler {
  try {
    return new Scheduler(app, { group: flags.group, leaseMs: flags.lease });
  } catch (error) {
    if (error instanceof RangeError) throw new CliError(error.message, 2);
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}

async function runUntilSignal(app: App, scheduler: Scheduler): Promise<void> {
  // Listening before the first check: a signal that comes as it starts still resigns.
  const stopped = new Promise<void>((resolve) => {
    // The stop starts before the line that reports it, which must not be able to hold it up.
    const onSignal = (signal: NodeJS.Signals) => {
      resolve();
      logSafely(() => app.log.warn({ signal }, 'beat: stopping; resigning leadership'));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await scheduler.start();
  app.log.info({ group: scheduler.group, holder: scheduler.holder }, 'beat: started');
  await stopped;
  await scheduler.stop();
}
