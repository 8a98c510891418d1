import type { Command } from 'commander';
import { INSPECT_COMMANDS, type InspectCommand } from '../../control/control-protocol.ts';
import {
  broadcastOptions,
  type WorkerFlags,
  withWorkersApp,
  workerFlags,
} from '../control/control-flags.ts';
import { repliesAsJson, repliesAsText } from '../control/format-replies.ts';

const DESCRIPTIONS: Record<InspectCommand, string> = {
  ping: 'which workers are alive',
  active: 'tasks running now',
  reserved: 'tasks received and not started (waiting on a limit, or buffered for a batch)',
  scheduled: "delayed messages (countdown, eta, retry backoff) in each worker's queues",
  registered: 'task names each worker knows, with their limits',
  stats: 'pid, uptime, pool, slots, totals, CPU and memory of each worker',
  'active-queues': 'queues each worker consumes',
  revoked: 'how many revoked ids each worker holds',
};

/** `celeriac inspect <command>`: ask live workers about their state over the broker. */
export function registerInspect(program: Command): void {
  const inspect = program
    .command('inspect')
    .description(
      'ask live workers about their state, over the broker (they answer within --timeout)',
    );
  for (const command of INSPECT_COMMANDS) {
    workerFlags(inspect.command(command).description(DESCRIPTIONS[command])).action(
      (flags: WorkerFlags) => runInspect(command, flags),
    );
  }
}

async function runInspect(command: InspectCommand, flags: WorkerFlags): Promise<void> {
  const options = broadcastOptions(flags);
  await withWorkersApp(flags, async (app) => {
    const replies = await app.control.broadcast(command, {}, options);
    process.stdout.write(flags.json ? repliesAsJson(replies) : repliesAsText(command, replies));
    if (replies.some((r) => !r.ok)) process.exitCode = 1;
  });
}
