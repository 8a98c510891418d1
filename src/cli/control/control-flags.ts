import type { Command } from 'commander';
import type { App } from '../../app/app.ts';
import { UnknownDestination } from '../../control/app-control.ts';
import type { BroadcastOptions } from '../../control/control-client.ts';
import { NoReply } from '../../control/control-client.ts';
import { parseDuration } from '../../time/duration.ts';
import { CliError, loadApp } from '../load-app.ts';

/** Flags shared by `inspect` and `control` commands that talk to workers. */
export interface WorkerFlags {
  app?: string;
  broker?: string;
  destination?: string[];
  json?: boolean;
  timeout?: string;
}

/** Adds -A, -b, -d, --json and --timeout to a command. */
export function workerFlags(command: Command): Command {
  return command
    .option('-A, --app <module>', 'task module that exports the app')
    .option(
      '-b, --broker <url>',
      'broker URL (default: CELERIAC_BROKER_URL or the embedded SQLite file)',
    )
    .option('-d, --destination <nodes>', 'only these workers, comma-separated', nodeList)
    .option('--json', 'print JSON: one object of replies by worker')
    .option('-t, --timeout <duration>', 'how long to wait for replies', '1s');
}

function nodeList(value: string): string[] {
  const names = value
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (names.length === 0) throw new CliError('--destination needs at least one node name', 2);
  return names;
}

/** The broadcast options of the flags; a bad timeout is a usage error. */
export function broadcastOptions(flags: WorkerFlags): BroadcastOptions {
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(flags.timeout ?? '1s');
  } catch (error) {
    throw new CliError(`--timeout: ${(error as Error).message}`, 2);
  }
  if (timeoutMs <= 0) throw new CliError('--timeout must be above 0', 2);
  const options: BroadcastOptions = { timeoutMs };
  if (flags.destination) options.destination = flags.destination;
  return options;
}

/** Loads the app, runs `action`, closes the app; maps control errors to exit codes. */
export async function withWorkersApp(
  flags: WorkerFlags,
  action: (app: App) => Promise<void>,
): Promise<void> {
  const app = await loadApp(flags);
  try {
    await action(app);
  } catch (error) {
    if (error instanceof UnknownDestination) throw new CliError(error.message, 2);
    if (error instanceof NoReply) throw new CliError(error.message, 1);
    throw error;
  } finally {
    await app.close();
  }
}
