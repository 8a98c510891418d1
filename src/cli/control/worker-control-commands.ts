import type { Command } from 'commander';
import type { App } from '../../app/app.ts';
import type { ControlCommand, ControlReply } from '../../control/control-protocol.ts';
import { parseDuration } from '../../time/duration.ts';
import { CliError } from '../load-app.ts';
import {
  broadcastOptions,
  type WorkerFlags,
  withWorkersApp,
  workerFlags,
} from './control-flags.ts';
import { repliesAsJson, repliesAsText } from './format-replies.ts';

interface RevokeFlags extends WorkerFlags {
  terminate?: boolean;
  ttl?: string;
}

/** Adds the `control` subcommands that live workers answer. */
export function registerWorkerControl(control: Command): void {
  workerFlags(
    control
      .command('revoke')
      .description('revoke task ids: they never start; --terminate stops running ones')
      .argument('<ids...>', 'task ids')
      .option('--terminate', 'also stop them if running (threads and process pools kill the child)')
      .option('--ttl <duration>', 'how long workers that start later still skip them', '3h'),
  ).action((ids: string[], flags: RevokeFlags) => revoke(ids, flags));
  workerFlags(
    control
      .command('time-limit')
      .description("change a task's soft and hard time limits on live workers")
      .argument('<task>', 'registered task name')
      .argument('<soft>', 'soft limit in seconds, or "none"')
      .argument('[hard]', 'hard limit in seconds, or "none" (default none)'),
  ).action((task: string, soft: string, hard: string | undefined, flags: WorkerFlags) =>
    send(
      'time-limit',
      { task, soft: seconds(soft, 'soft'), hard: seconds(hard ?? 'none', 'hard') },
      flags,
    ),
  );
  workerFlags(control.command('shutdown').description('stop workers gracefully')).action(
    (flags: WorkerFlags) => send('shutdown', {}, flags),
  );
  for (const [name, what] of [
    ['pool-grow', 'add slots to'],
    ['pool-shrink', 'remove slots from'],
  ] as const) {
    workerFlags(
      control
        .command(name)
        .description(`${what} each worker's pool`)
        .argument('[n]', 'how many slots', '1'),
    ).action((n: string, flags: WorkerFlags) => send(name, { n: count(n) }, flags));
  }
  for (const [name, what] of [
    ['add-consumer', 'start consuming'],
    ['cancel-consumer', 'stop consuming'],
  ] as const) {
    workerFlags(
      control.command(name).description(`${what} a queue`).argument('<queue>', 'queue name'),
    ).action((queue: string, flags: WorkerFlags) => send(name, { queue }, flags));
  }
}

async function send(command: ControlCommand, args: Record<string, unknown>, flags: WorkerFlags) {
  const options = broadcastOptions(flags);
  await withWorkersApp(flags, async (app) => {
    print(command, await app.control.broadcast(command, args, options), flags);
  });
}

async function revoke(ids: string[], flags: RevokeFlags): Promise<void> {
  const options = broadcastOptions(flags);
  let ttl: number;
  try {
    ttl = parseDuration(flags.ttl ?? '3h');
  } catch (error) {
    throw new CliError(`--ttl: ${(error as Error).message}`, 2);
  }
  await withWorkersApp(flags, async (app: App) => {
    const replies = await app.control.revoke(ids, { ...options, terminate: flags.terminate, ttl });
    if (flags.json) {
      process.stdout.write(repliesAsJson(replies));
      return;
    }
    const n = ids.length;
    process.stdout.write(
      `revoked ${n} task${n === 1 ? '' : 's'} for ${flags.ttl ?? '3h'}; ${replies.length} worker(s) told now, later ones read it from the broker\n`,
    );
    for (const reply of replies) {
      if (!reply.ok) process.stdout.write(`-> ${reply.worker}: ERROR ${reply.error}\n`);
      const terminated = reply.ok
        ? ((reply.data as { terminated?: string[] }).terminated ?? [])
        : [];
      for (const id of terminated) process.stdout.write(`-> ${reply.worker}: terminated ${id}\n`);
    }
  });
}

function print(command: ControlCommand, replies: ControlReply[], flags: WorkerFlags): void {
  process.stdout.write(flags.json ? repliesAsJson(replies) : repliesAsText(command, replies));
  if (replies.some((r) => !r.ok)) process.exitCode = 1;
}

function seconds(value: string, what: string): number | null {
  if (value === 'none') return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new CliError(
      `the ${what} limit must be a positive number of seconds or "none", got "${value}"`,
      2,
    );
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`n must be a positive integer, got "${value}"`, 2);
  return n;
}
