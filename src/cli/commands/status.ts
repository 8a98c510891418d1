import type { Command } from 'commander';
import type { QueueStats } from '../../brokers/contract/index.ts';
import { loadApp } from '../load-app.ts';
import { queueList } from '../parse-options.ts';

interface StatusFlags {
  app?: string;
  broker?: string;
  queues?: string[];
  json?: boolean;
}

/** `celeriac status`: messages per queue by state. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show queue depths: ready, reserved, delayed and dead messages per queue')
    .option('-A, --app <module>', 'task module that exports the app')
    .option(
      '-b, --broker <url>',
      'broker URL (default: CELERIAC_BROKER_URL or the embedded SQLite file)',
    )
    .option('-Q, --queues <list>', 'only these queues', queueList)
    .option('--json', 'print JSON')
    .action(async (flags: StatusFlags) => showStatus(flags));
}

async function showStatus(flags: StatusFlags): Promise<void> {
  const app = await loadApp(flags);
  try {
    await app.connect();
    const names = flags.queues ?? (await app.broker.queues());
    const stats = await Promise.all(names.map((q) => app.broker.stats(q)));
    process.stdout.write(flags.json ? `${JSON.stringify(stats)}\n` : formatTable(stats));
  } finally {
    await app.close();
  }
}

/** A plain aligned table, one queue a row. */
export function formatTable(stats: QueueStats[]): string {
  if (stats.length === 0) return 'no queues\n';
  const header = ['queue', 'ready', 'reserved', 'delayed', 'dead'];
  const rows = stats.map((s) => [s.queue, s.ready, s.reserved, s.delayed, s.dead].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  const problems = stats.flatMap((s) => (s.problems ?? []).map((p) => `queue ${s.queue}: ${p}`));
  return `${[line(header), ...rows.map(line), ...problems].join('\n')}\n`;
}
