import type { Command } from 'commander';
import { loadApp } from '../load-app.ts';
import { confirm } from './confirm.ts';

interface PurgeFlags {
  app?: string;
  broker?: string;
  force?: boolean;
}

/** `celeriac purge <queue>`: delete the ready and delayed messages of a queue. */
export function registerPurge(program: Command): void {
  program
    .command('purge')
    .description('delete every ready and delayed message of a queue (running tasks are kept)')
    .argument('<queue>', 'queue name')
    .option('-A, --app <module>', 'task module that exports the app')
    .option(
      '-b, --broker <url>',
      'broker URL (default: CELERIAC_BROKER_URL or the embedded SQLite file)',
    )
    .option('-f, --force', 'do not ask for confirmation')
    .action(async (queue: string, flags: PurgeFlags) => purge(queue, flags));
}

async function purge(queue: string, flags: PurgeFlags): Promise<void> {
  const app = await loadApp(flags);
  try {
    await app.connect();
    const stats = await app.broker.stats(queue);
    const count = stats.ready + stats.delayed;
    if (!(await confirm(`Delete ${count} messages from queue "${queue}"?`, flags.force))) {
      process.stdout.write('nothing deleted\n');
      return;
    }
    const removed = await app.broker.purge(queue);
    process.stdout.write(`purged ${removed} messages from "${queue}"\n`);
  } finally {
    await app.close();
  }
}
