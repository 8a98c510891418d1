import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResultsFile } from '../../bench/report.ts';
import { redisAvailable, redisUrl } from '../support/redis-available.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const FIGURE_NAMES = [
  'enqueue_one',
  'enqueue_bulk',
  'process_c1_1proc',
  'process_c100_1proc',
  'process_2proc',
  'bytes_per_queued_task',
  'latency_p50',
  'latency_p99',
  'latency_c50_p50',
  'latency_c50_p99',
  'delay_error_p50',
  'delay_error_p99',
  'cold_start_sqlite_ms',
  'cold_start_redis_ms',
  'worker_rss_c1_mb',
  'worker_rss_c100_mb',
];

/** Runs a command in the project root; resolves with its exit code and output. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!redisAvailable)('npm run bench -- --quick', () => {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures every figure for both systems with exact counts', async () => {
    const out = join(dir, 'quick.json');
    // An earlier results file with one figure of this run and one this harness no longer has.
    const earlier = join(dir, 'earlier.json');
    const figure = (name: string, unit: string, value: number) => ({
      name,
      unit,
      celeriac: value,
      bullmq: value,
      ratio: 1,
      runs: 3,
      range: { celeriac: [value, value], bullmq: [value, value] },
    });
    writeFileSync(
      earlier,
      JSON.stringify({
        machine: 'a machine',
        commit: 'abc1234',
        mode: 'full',
        runs: 3,
        figures: [figure('enqueue_bulk', 'tasks/s', 1000), figure('retired_figure', 'ms', 1)],
      }),
    );
    // The runner exits non-zero when any count is off (lost, duplicated or failed tasks).
    const result = await run(
      'npm',
      ['run', 'bench', '--', '--quick', '--out', out, '--compare', earlier],
      { BENCH_REDIS_URL: redisUrl },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('| figure');

    const results = JSON.parse(readFileSync(out, 'utf8')) as ResultsFile;
    expect(results.machine).toMatch(/cores/);
    expect(results.figures.map((f) => f.name)).toEqual(FIGURE_NAMES);
    for (const figure of results.figures) {
      expect(figure.celeriac, figure.name).toBeGreaterThan(0);
      expect(figure.bullmq, figure.name).toBeGreaterThan(0);
      expect(figure.ratio, figure.name).toBeCloseTo(figure.celeriac / figure.bullmq);
      expect(figure.range.celeriac[0], figure.name).toBeLessThanOrEqual(figure.celeriac);
      expect(figure.range.celeriac[1], figure.name).toBeGreaterThanOrEqual(figure.celeriac);
      // Cold start takes three worker starts per system in quick mode, every other figure one.
      expect(figure.runs, figure.name).toBe(figure.name.startsWith('cold_start_') ? 3 : 1);
    }
    expect(results.soak?.tasks).toBeGreaterThan(0);
    expect(results.soak?.rssAtEnd).toBeGreaterThan(0);
    expect(results.pools?.cpu.map((f) => f.pool)).toEqual(['threads', 'process']);
    for (const f of results.pools?.cpu ?? []) expect(f.twoSlots).toBeGreaterThan(0);
    expect(results.pools?.waitSeconds).toBeGreaterThan(0);
    expect(results.pools?.bare.twoSlots).toBeGreaterThan(0);
    expect(results.floor?.socket).toBeGreaterThan(0);
    // The idle RSS of each RSS worker, measured beside the figures, below its peak.
    expect(results.details?.map((d) => d.name)).toEqual([
      'worker_rss_c1_idle_mb',
      'worker_rss_c100_idle_mb',
    ]);
    for (const detail of results.details ?? []) {
      const peak = results.figures.find((f) => f.name === detail.name.replace('_idle', ''));
      expect(detail.celeriac, detail.name).toBeGreaterThan(0);
      expect(detail.celeriac, detail.name).toBeLessThanOrEqual(peak?.celeriac ?? 0);
      expect(detail.bullmq, detail.name).toBeLessThanOrEqual(peak?.bullmq ?? 0);
    }
    expect(result.stdout).toContain('of the bare-socket floor');
    expect(result.stdout).toContain('Pools (Celeriac only)');
    expect(result.stdout).toContain(`compared with ${earlier}`);
    expect(result.stdout).toMatch(/\| retired_figure +\|.*absent in new/);
    expect(result.stdout).toMatch(/\| worker_rss_c1_mb +\|.*absent in old/);
    expect(result.stdout).toMatch(/\| enqueue_bulk +\|.*(REGRESSION|improved|within spread)/);
  }, 240_000);
});
