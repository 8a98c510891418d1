import type { Command } from 'commander';
import type { App } from '../../app/app.ts';
import { CeleriacError } from '../../errors/errors.ts';
import { registerWorkerControl } from '../control/worker-control-commands.ts';
import { CliError, loadApp } from '../load-app.ts';

interface ControlFlags {
  app?: string;
  broker?: string;
}

/** Errors that mean a bad argument (exit 2), not a failure while acting. */
const BAD_ARGUMENT_CODES = new Set(['UNKNOWN_TASK', 'INVALID_RATE', 'NOT_RATE_LIMITED']);

/**
 * `celeriac control …`: change the running cluster through the broker, without a restart.
 * `rate-limit` and `rate-limits` act on the broker's store; the others ask live workers.
 */
export function registerControl(program: Command): void {
  const control = program
    .command('control')
    .description('change the running cluster through the broker, without a restart');
  const common = (cmd: Command) =>
    cmd
      .option(
        '-A, --app <module>',
        'task module that exports the app (required: it names the tasks)',
      )
      .option('-b, --broker <url>', "broker URL (default: the app's)");
  common(
    control
      .command('rate-limit')
      .description("set a rate-limited task's limit for every worker: a rate, off, or reset")
      .argument('<task>', 'registered task name')
      .argument('<rate>', '"10/s", "100/m", "0.5/s"; "off" for no limit; "reset" for the code\'s'),
  ).action(async (task: string, rate: string, flags: ControlFlags) =>
    withApp('rate-limit', flags, (app) => rateLimit(app, task, rate)),
  );
  common(
    control.command('rate-limits').description('list the rate limits changed at runtime'),
  ).action(async (flags: ControlFlags) => withApp('rate-limits', flags, listRateLimits));
  registerWorkerControl(control);
}

async function withApp(
  command: string,
  flags: ControlFlags,
  action: (app: App) => Promise<void>,
): Promise<void> {
  if (!flags.app) throw new CliError(`control ${command} needs -A <module> to know the tasks`, 2);
  const app = await loadApp(flags);
  try {
    await action(app);
  } catch (error) {
    if (error instanceof CeleriacError && BAD_ARGUMENT_CODES.has(error.code)) {
      throw new CliError(error.message, 2);
    }
    throw error;
  } finally {
    await app.close();
  }
}

async function rateLimit(app: App, task: string, rate: string): Promise<void> {
  const change = await app.control.rateLimit(task, rate);
  const what = change.reset ? `reset to its code's, ${change.now},` : `set to ${change.now}`;
  process.stdout.write(`rate limit of "${change.task}" ${what} for every worker\n`);
}

async function listRateLimits(app: App): Promise<void> {
  const limits = await app.control.rateLimits();
  if (limits.size === 0) process.stdout.write('no rate limit was changed at runtime\n');
  for (const [task, rate] of limits) process.stdout.write(`${task}  ${rate}\n`);
}
