import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FuzzSummary } from './report.ts';

/** What vitest's JSON reporter writes that the summary needs. */
interface VitestJson {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: unknown[];
}

/** Runs the property-based suites (test/fuzz) with `runs` cases per property (default: theirs). */
export async function runFuzz(runs?: number): Promise<FuzzSummary> {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-chaos-fuzz-'));
  const out = join(dir, 'fuzz.json');
  const prefix = runs === undefined ? '' : `CELERIAC_FUZZ_RUNS=${runs} `;
  const args = [
    'vitest',
    'run',
    'test/fuzz',
    '--passWithNoTests',
    '--reporter=json',
    `--outputFile=${out}`,
  ];
  const env = {
    ...process.env,
    ...(runs === undefined ? {} : { CELERIAC_FUZZ_RUNS: String(runs) }),
  };
  process.stdout.write(`running ${prefix}npx vitest run test/fuzz…\n`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('npx', args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('exit', (exit) => resolve(exit));
  });
  try {
    const json = JSON.parse(readFileSync(out, 'utf8')) as VitestJson;
    return {
      command: `${prefix}npx vitest run test/fuzz`,
      runsPerProperty: runs ?? 300,
      files: json.testResults.length,
      tests: json.numTotalTests,
      passed: json.numPassedTests,
      failed: json.numFailedTests,
      ok: code === 0 && json.numFailedTests === 0,
    };
  } catch {
    const command = `${prefix}npx vitest run test/fuzz`;
    return {
      command,
      runsPerProperty: runs ?? 300,
      files: 0,
      tests: 0,
      passed: 0,
      failed: 0,
      ok: false,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
