// `npm run demo`: a real worker process and a producer on the embedded SQLite broker.
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { add, app, chargeCard, flakyFetch, resizeImage } from './tasks.ts';

const say = (text: string) => process.stdout.write(`\x1b[1m[producer]\x1b[0m ${text}\n`);

function startWorker(): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/bin.ts',
      'worker',
      '-A',
      'examples/demo/tasks.ts',
      '-c',
      '4',
      '-n',
      'demo@%h',
    ],
    {
      env: { ...process.env, CELERIAC_LOG_FORMAT: 'pretty' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  lines.on('line', (line) => process.stdout.write(`\x1b[36m[worker]\x1b[0m   ${line}\n`));
  return child;
}

async function waitForDeadLetters(count: number): Promise<void> {
  for (;;) {
    const letters = await app.broker.listDeadLetters({ queue: 'demo' });
    if (letters.length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  rmSync('.celeriac/demo', { recursive: true, force: true });
  say('starting a worker process: celeriac worker -A examples/demo/tasks.ts -c 4');
  const worker = startWorker();

  const sums = await Promise.all([1, 2, 3].map((i) => add.delay(i, i * 10)));
  say(`sent ${sums.length} demo.add tasks`);
  const flaky = await flakyFetch.delay('https://bank.example/statements');
  say(`sent demo.flaky_fetch (fails twice, then succeeds) as ${flaky.id}`);
  const charge = await chargeCard.delay('card_4242');
  say(
    `sent demo.charge_card (always fails: 2 retries, then the dead-letter queue) as ${charge.id}`,
  );
  const resize = await resizeImage.delay(-5);
  say(`sent demo.resize_image(-5) (rejected at once) as ${resize.id}`);

  for (const result of sums)
    say(`result of demo.add ${result.id.slice(0, 8)}: ${await result.get({ timeout: '30s' })}`);
  const fetched = await flaky.get({ timeout: '30s' });
  say(`result of demo.flaky_fetch after retries with backoff: ${JSON.stringify(fetched)}`);
  await charge
    .get({ timeout: '30s' })
    .catch((error: Error) => say(`demo.charge_card ended: ${error.message}`));
  await resize
    .get({ timeout: '30s' })
    .catch((error: Error) => say(`demo.resize_image ended: ${error.message}`));

  await waitForDeadLetters(2);
  for (const letter of await app.broker.listDeadLetters({ queue: 'demo' })) {
    say(`dead-letter queue: ${letter.id.slice(0, 8)}: ${letter.reason}`);
  }
  const stats = await app.broker.stats('demo');
  say(
    `queue "demo": ready ${stats.ready}, reserved ${stats.reserved}, delayed ${stats.delayed}, dead ${stats.dead}`,
  );

  say('stopping the worker with SIGTERM (graceful shutdown)');
  worker.kill('SIGTERM');
  await new Promise((resolve) => worker.once('exit', resolve));
  await app.close();
  say('done. Try: npm run build && npx celeriac status -b sqlite://.celeriac/demo/celeriac.db');
}

await main();
