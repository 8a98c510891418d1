// E-mails every user at a steady rate with a chunked task, instead of one giant loop of delay().
//
//   npx tsx examples/chunked-mailer.ts [users=20000] [chunkSize=1000] [pause=200ms]
//
// Runs a worker in this process on the embedded SQLite broker. The same module also serves
// real workers: `npx celeriac worker -A examples/chunked-mailer.ts` loads the tasks without
// starting a run.
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createApp } from '../src/index.ts';

const DB = 'sqlite://.celeriac/chunked-mailer/celeriac.db';
const [users = 20_000, chunkSize = 1_000] = process.argv.slice(2, 4).map(Number);
const pause = process.argv[4] ?? '200ms';

export const app = createApp({ broker: DB, backend: DB, logLevel: 'warn' });

/** A stand-in for `SELECT id FROM users WHERE id > $after ORDER BY id LIMIT $limit`. */
function userIdsAfter(after: number | null, limit: number): number[] {
  // Ids are sparse (3i + i mod 3), as real ids are once rows get deleted.
  const idAt = (i: number) => 3 * i + (i % 3);
  let i = after === null ? 0 : Math.max(0, Math.floor(after / 3) - 1);
  while (i < users && after !== null && idAt(i) <= after) i++;
  const ids: number[] = [];
  for (; i < users && ids.length < limit; i++) ids.push(idAt(i));
  return ids;
}

/** One e-mail; a real one would call the mail provider. */
export const sendReport = app.task('mail.report', async (_ctx, userId: number) => ({ userId }));

/**
 * The generator: one chunk of user ids per run, then it sends itself the next chunk after
 * `pause`. At most `chunkSize` e-mails are queued per pause, whatever the number of users.
 */
export const mailEveryone = app.chunkedTask(
  'mail.everyone',
  { cursor: 'id', chunkSize, pause },
  async (ctx, chunk) => {
    const ids = userIdsAfter(chunk.after, chunk.limit);
    await sendReport.delayMany(ids.map((id) => [id]));
    ctx.log.info({ step: chunk.step, after: chunk.after, sent: ids.length }, 'chunk queued');
    return { processed: ids.length, last: ids.at(-1) };
  },
);

async function main(): Promise<void> {
  rmSync('.celeriac/chunked-mailer', { recursive: true, force: true });
  const worker = app.worker({ concurrency: 8 });
  await worker.start();
  const run = await mailEveryone.start();
  console.log(`run ${run.id}: ${users} users, ${chunkSize} per chunk, ${pause} between chunks`);
  for (;;) {
    const progress = await run.progress();
    console.log(
      `step ${progress?.step}: ${progress?.processed} e-mails queued, cursor ${progress?.cursor}`,
    );
    if (progress?.done) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const stats = await app.broker.stats('default');
  console.log(`done; e-mails still queued: ${stats.ready + stats.delayed + stats.reserved}`);
  await worker.stop();
  await app.close();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
