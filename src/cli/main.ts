import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { CeleriacError } from '../errors/errors.ts';
import { registerBeat } from './commands/beat.ts';
import { registerControl } from './commands/control.ts';
import { registerDlq } from './commands/dlq.ts';
import { registerEvents } from './commands/events.ts';
import { registerExporter } from './commands/exporter.ts';
import { registerInspect } from './commands/inspect.ts';
import { registerMulti } from './commands/multi.ts';
import { registerPurge } from './commands/purge.ts';
import { registerSend } from './commands/send.ts';
import { registerStatus } from './commands/status.ts';
import { registerWorker } from './commands/worker.ts';
import { CliError } from './load-app.ts';

/** The version in Celeriac's package.json, the same from the sources and from dist/. */
export const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string })
  .version;

/** The `celeriac` program with every command. */
export function buildProgram(): Command {
  const program = new Command('celeriac')
    .description('Celeriac: a distributed task queue for TypeScript and Node.js')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerWorker(program);
  registerSend(program);
  registerStatus(program);
  registerPurge(program);
  registerDlq(program);
  registerMulti(program);
  registerControl(program);
  registerInspect(program);
  registerBeat(program);
  registerEvents(program);
  registerExporter(program);
  for (const command of program.commands) applyToTree(command);
  return program;
}

// Subcommands exit through the same path as the root so usage errors share exit code 2.
function applyToTree(command: Command): void {
  command.showHelpAfterError().exitOverride();
  for (const child of command.commands) applyToTree(child);
}

/** Runs the CLI: usage errors exit 2, runtime errors print one line and exit 1. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeOf(error);
    if (!(error instanceof CommanderError)) process.stderr.write(`celeriac: ${messageOf(error)}\n`);
  }
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(
      error.code,
    );
    return ok ? 0 : 2;
  }
  if (error instanceof CliError) return error.exitCode;
  return 1;
}

function messageOf(error: unknown): string {
  if (error instanceof CeleriacError) return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
