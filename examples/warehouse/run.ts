// `npx tsx examples/warehouse/run.ts`: three worker processes, one per stage queue, and a
// producer that sends each order as a chain pick → pack → ship across the three queues.
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { chain } from '../../src/index.ts';
import { app, pack, pick, ship } from './tasks.ts';

const say = (text: string) => process.stdout.write(`[producer] ${text}\n`);

/** One worker process consuming one stage's queue. */
function startStage(queue: string): ChildProcess {
  const args = [
    '--import',
    'tsx',
    'src/cli/bin.ts',
    'worker',
    '-A',
    'examples/warehouse/tasks.ts',
    '-Q',
    queue,
  ];
  const child = spawn(process.execPath, [...args, '-c', '2', '-n', `${queue}@%h`], {
    env: { ...process.env, CELERIAC_LOG_FORMAT: 'pretty' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  lines.on('line', (line) => process.stdout.write(`[${queue}] ${line}\n`));
  return child;
}

async function main(): Promise<void> {
  rmSync('.celeriac/warehouse', { recursive: true, force: true });
  const stages = ['picking', 'packing', 'delivery'].map(startStage);
  const orders: Array<[string, string[]]> = [
    ['a100', ['kettle']],
    ['a101', ['lamp', 'bulb', 'shade']],
    ['a102', ['book', 'bookmark']],
  ];
  const results = await Promise.all(
    orders.map(([orderId, items]) =>
      chain(pick.s(orderId, items), pack.s(), ship.s()).applyAsync(),
    ),
  );
  say(`sent ${results.length} orders as chains: picking → packing → delivery`);
  for (const result of results) {
    const parcel = await result.get({ timeout: '60s' });
    say(
      `order ${parcel.orderId}: ${parcel.items.length} item(s) in a ${parcel.box} box, tracking ${parcel.tracking}`,
    );
  }
  for (const stage of stages) stage.kill('SIGTERM');
  await Promise.all(stages.map((stage) => new Promise((resolve) => stage.once('exit', resolve))));
  await app.close();
  say('done');
}

await main();
