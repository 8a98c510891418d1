// `npx tsx examples/etl/run.ts`: a worker process and one ETL run:
// group(extract pages) → total by region (once, with every page) → load.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { chain, group } from '../../src/index.ts';
import { app, extractPage, loadTotals, reportFailure, totalByRegion } from './tasks.ts';

const say = (text: string) => process.stdout.write(`[producer] ${text}\n`);

async function main(): Promise<void> {
  rmSync('.celeriac/etl', { recursive: true, force: true });
  const worker = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/bin.ts',
      'worker',
      '-A',
      'examples/etl/tasks.ts',
      '-c',
      '4',
      '-n',
      'etl@%h',
    ],
    {
      env: { ...process.env, CELERIAC_LOG_FORMAT: 'pretty' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  createInterface({ input: worker.stdout as NodeJS.ReadableStream }).on('line', (line) =>
    process.stdout.write(`[worker] ${line}\n`),
  );
  const pages = Array.from({ length: 4 }, (_, page) => extractPage.s(page));
  const run = await chain(group(pages), totalByRegion.s(), loadTotals.s('sales_by_region'))
    .onError(reportFailure.s())
    .applyAsync();
  say(`sent an ETL run: extract ${pages.length} pages in parallel → total by region → load`);
  const loaded = await run.get({ timeout: '60s' });
  say(`loaded ${loaded.rows} rows into ${loaded.table}`);
  worker.kill('SIGTERM');
  await new Promise((resolve) => worker.once('exit', resolve));
  await app.close();
  say('done');
}

await main();
