import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Runs an example as a user would (`npx tsx <file>`), from the project root. */
function runExample(
  file: string,
  args: string[] = [],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: ROOT,
      env: { ...process.env, CELERIAC_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

// Each example starts real worker processes (or a worker in its own process) on its own SQLite
// file under .celeriac/, so they can run side by side.
describe('the runnable examples', () => {
  it('warehouse: each order passes picking → packing → delivery, one worker per queue', async () => {
    const { code, output } = await runExample('examples/warehouse/run.ts');
    expect(output).toContain('order a100: 1 item(s) in a small box, tracking TRK-A100');
    expect(output).toContain('order a101: 3 item(s) in a large box, tracking TRK-A101');
    expect(output).toContain('order a102: 2 item(s) in a small box, tracking TRK-A102');
    expect(code).toBe(0);
  }, 90_000);

  it('etl: extract pages as a group, total them once, load the rows', async () => {
    const { code, output } = await runExample('examples/etl/run.ts');
    expect(output).toContain('loaded 3 rows into sales_by_region');
    expect(code).toBe(0);
  }, 90_000);

  it('chunked mailer: every user e-mailed once, chunk by chunk', async () => {
    const { code, output } = await runExample('examples/chunked-mailer.ts', ['5000', '1000', '0']);
    expect(output).toContain('5000 e-mails queued');
    expect(output).toContain('done; e-mails still queued: 0');
    expect(code).toBe(0);
  }, 90_000);

  it('batch indexer: 250 documents in 3 bulk calls, the broken one dead-lettered', async () => {
    const { code, output } = await runExample('examples/batch-indexer.ts');
    expect(output).toContain('indexed 250 documents in 3 bulk calls');
    expect(output).toContain('queue: ready 0, reserved 0, dead 1');
    expect(code).toBe(0);
  }, 90_000);
});
