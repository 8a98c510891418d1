import type { Command } from 'commander';
import type { SendOptions } from '../../task/options.ts';
import { loadApp } from '../load-app.ts';
import { duration, json, priority, queueList } from '../parse-options.ts';

interface SendFlags {
  app?: string;
  broker?: string;
  args: unknown[];
  kwargs?: Record<string, unknown>;
  queue?: string[];
  countdown?: number;
  eta?: string;
  expires?: number;
  priority?: number;
  id?: string;
  wait?: number;
}

/** `celeriac send <task>`: publish one task by name and print its id. */
export function registerSend(program: Command): void {
  program
    .command('send')
    .description('send a task by name and print its id')
    .argument('<task>', 'registered task name')
    .option('-A, --app <module>', 'task module that exports the app')
    .option(
      '-b, --broker <url>',
      'broker URL (default: CELERIAC_BROKER_URL or the embedded SQLite file)',
    )
    .option('--args <json>', 'positional arguments as a JSON array', json('array'), [])
    .option('--kwargs <json>', 'keyword arguments as a JSON object (ctx.kwargs)', json('object'))
    .option('-q, --queue <name>', 'queue (default: the task route or the default queue)', queueList)
    .option('--countdown <duration>', 'delay before the task may start', duration)
    .option('--eta <iso-date>', 'time before which the task may not start')
    .option(
      '--expires <duration>',
      'drop the task if it has not started within this time',
      duration,
    )
    .option('--priority <0-9>', 'higher runs first', priority)
    .option('--id <id>', 'task id (default: a random UUID)')
    .option(
      '--wait <duration>',
      'wait this long for the result and print it (needs a result backend)',
      duration,
    )
    .action(async (task: string, flags: SendFlags) => sendTask(task, flags));
}

async function sendTask(task: string, flags: SendFlags): Promise<void> {
  const app = await loadApp(flags);
  const options: SendOptions = {
    kwargs: flags.kwargs,
    queue: flags.queue?.[0],
    countdown: flags.countdown,
    eta: flags.eta,
    expires: flags.expires,
    priority: flags.priority,
    id: flags.id,
  };
  try {
    const result = await app.sendTask(task, flags.args, options);
    process.stdout.write(`${result.id}\n`);
    if (flags.wait !== undefined) {
      const value = await result.get({ timeout: flags.wait });
      process.stdout.write(`${JSON.stringify(value)}\n`);
    }
  } finally {
    await app.close();
  }
}
