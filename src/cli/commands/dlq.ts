import type { Command } from 'commander';
import type { App } from '../../app/app.ts';
import type { Broker, RequeueReport } from '../../brokers/contract/index.ts';
import { CliError, loadApp } from '../load-app.ts';
import { positiveInt } from '../parse-options.ts';
import { confirm } from './confirm.ts';
import { jsonLine, textLines } from './dead-letter-lines.ts';
import { viewDeadLetter } from './dead-letter-view.ts';

interface DlqFlags {
  app?: string;
  broker?: string;
  queue?: string;
  limit?: number;
  json?: boolean;
  all?: boolean;
  force?: boolean;
}

/** `celeriac dlq list | requeue | purge`: inspect and act on the dead-letter queue. */
export function registerDlq(program: Command): void {
  const dlq = program.command('dlq').description('list, requeue or purge dead-lettered messages');
  const common = (cmd: Command) =>
    cmd
      .option('-A, --app <module>', 'task module that exports the app')
      .option(
        '-b, --broker <url>',
        'broker URL (default: CELERIAC_BROKER_URL or the embedded SQLite file)',
      );
  common(dlq.command('list').description('list dead letters, oldest first'))
    .option('-q, --queue <name>', 'only this queue')
    .option('--limit <n>', 'at most this many', positiveInt, 50)
    .option('--json', 'print JSON lines')
    .action(async (flags: DlqFlags) => withApp(flags, (app) => list(app, flags)));
  common(dlq.command('requeue').description('move dead letters back to their queues'))
    .argument('[ids...]', 'message ids')
    .option('--all', 'requeue every dead letter')
    .action(async (ids: string[], flags: DlqFlags) =>
      withApp(flags, (app) => requeue(app, ids, flags)),
    );
  common(dlq.command('purge').description('delete dead letters'))
    .option('-q, --queue <name>', 'only this queue')
    .option('-f, --force', 'do not ask for confirmation')
    .action(async (flags: DlqFlags) => withApp(flags, (app) => purge(app, flags)));
}

async function withApp(flags: DlqFlags, action: (app: App) => Promise<void>): Promise<void> {
  const app = await loadApp(flags);
  try {
    await app.connect();
    await action(app);
  } finally {
    await app.close();
  }
}

async function list(app: App, flags: DlqFlags): Promise<void> {
  const letters = await app.broker.listDeadLetters({ queue: flags.queue, limit: flags.limit });
  if (!flags.json && letters.length === 0) process.stdout.write('the dead-letter queue is empty\n');
  for (const letter of letters) {
    const view = viewDeadLetter(letter, app.serializer);
    process.stdout.write(flags.json ? jsonLine(view) : textLines(view));
  }
}

async function requeue(app: App, ids: string[], flags: DlqFlags): Promise<void> {
  if (ids.length === 0 && !flags.all)
    throw new CliError('name the message ids to requeue, or pass --all', 2);
  const report = await requeueWithReport(app.broker, flags.all ? undefined : ids);
  process.stdout.write(`${describeRequeue(report)}\n`);
}

/** A broker without the report requeues every dead letter it is asked for: none stay. */
async function requeueWithReport(broker: Broker, ids?: string[]): Promise<RequeueReport> {
  if (broker.requeueDeadLettersWithReport) return broker.requeueDeadLettersWithReport(ids);
  return { requeued: await broker.requeueDeadLetters(ids), left: [] };
}

/** `requeued 12 messages`, then how many stayed and why, when any did. */
function describeRequeue(report: RequeueReport): string {
  const moved = `requeued ${report.requeued} messages`;
  const stayed = report.left.reduce((sum, l) => sum + l.count, 0);
  if (stayed === 0) return moved;
  const why = report.left.map((l) => `${l.count} ${l.reason}`).join('; ');
  return `${moved}; ${stayed} dead letters could not be requeued (${why}) and were left in the dead-letter queue`;
}

async function purge(app: App, flags: DlqFlags): Promise<void> {
  const where = flags.queue ? `of queue "${flags.queue}"` : 'of every queue';
  if (!(await confirm(`Delete the dead letters ${where}?`, flags.force))) {
    process.stdout.write('nothing deleted\n');
    return;
  }
  const removed = await app.broker.purgeDeadLetters(flags.queue);
  process.stdout.write(`deleted ${removed} dead letters\n`);
}
