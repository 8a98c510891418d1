import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, createApp } from '../app/app.ts';
import { CeleriacError } from '../errors/errors.ts';
import { importTaskModule, TaskModuleError } from './task-module.ts';

/** A failure the CLI reports as one clear line and an exit code, without a stack of internals. */
export class CliError extends CeleriacError {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super('CLI', message);
  }
}

/** Options shared by every command that talks to the broker. */
export interface AppSourceOptions {
  app?: string;
  broker?: string;
  loglevel?: string;
}

/**
 * The app of a command: the one exported by the `-A` module (its default export or an export
 * named `app`), or a bare app on `--broker` / CELERIAC_BROKER_URL for commands that need no tasks.
 */
export async function loadApp(options: AppSourceOptions): Promise<App> {
  // An explicit --broker wins over the module's config, through the same override a user has.
  if (options.broker) process.env.CELERIAC_BROKER_URL = options.broker;
  if (options.loglevel) process.env.CELERIAC_LOG_LEVEL = options.loglevel;
  if (!options.app) return createApp({ logLevel: 'warn' });
  const path = resolve(options.app);
  if (!existsSync(path)) throw new CliError(`task module not found: ${options.app}`);
  let module: Record<string, unknown>;
  try {
    module = await importTaskModule(path, options.app);
  } catch (error) {
    if (error instanceof TaskModuleError) throw new CliError(error.message);
    // A bad config is fixed in config, not in the module: say only what is wrong. Checked by
    // code, not class, as the module may load its own copy of Celeriac.
    if ((error as { code?: unknown }).code === 'CONFIG_INVALID')
      throw new CliError((error as Error).message);
    throw new CliError(
      `could not load task module ${options.app}: ${describeLoadError(error, path)}`,
    );
  }
  const app = [module.default, module.app, ...Object.values(module)].find((v) => v instanceof App);
  if (!app) {
    throw new CliError(
      `task module ${options.app} exports no app: export the result of createApp() as "app" or default`,
    );
  }
  return app as App;
}

/** The module's own error and the line of the user's file it came from. */
function describeLoadError(error: unknown, path: string): string {
  if (!(error instanceof Error)) return String(error);
  const where = error.stack
    ?.split('\n')
    .find((line) => line.includes(path) || line.includes('file://'));
  const location = where ? `\n    ${where.trim()}` : '';
  return `${error.name}: ${error.message}${location}`;
}
