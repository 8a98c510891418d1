// `npm run chaos`: every fault scenario on every broker it names, the report table, and the
// property-based fuzz suites at full scale. Flags: --only <a,b>, --broker <name>, --short.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runFuzz } from './harness/fuzz.ts';
import {
  type ChaosResults,
  formatSkips,
  formatTable,
  formatViolations,
  writeResults,
} from './harness/report.ts';
import { isSkip, runScenario } from './harness/run-scenario.ts';
import type { ChaosBroker, ChaosReport, ChaosScale, ChaosSkip } from './scenario.ts';
import { SCENARIOS } from './scenario-list.ts';

const RESULTS = fileURLToPath(new URL('./results/latest.json', import.meta.url));

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    broker: { type: 'string' },
    short: { type: 'boolean', default: false },
    'no-fuzz': { type: 'boolean', default: false },
  },
});

/** The scenarios --only names (all by default); an unknown name is an error listing the known. */
function selected() {
  if (!values.only) return SCENARIOS;
  const names = values.only.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) {
    const known = SCENARIOS.map((s) => `"${s.name}"`).join(', ');
    throw new Error(
      `--only: no scenario named ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${known}`,
    );
  }
  return SCENARIOS.filter((s) => names.includes(s.name));
}

async function main(): Promise<number> {
  const started = Date.now();
  const scale: ChaosScale = values.short ? 'short' : 'full';
  const reports: ChaosReport[] = [];
  const skips: ChaosSkip[] = [];
  for (const scenario of selected()) {
    for (const broker of scenario.brokers.filter((b) => !values.broker || b === values.broker)) {
      process.stdout.write(`running ${scenario.name} on ${broker} (${scale})…\n`);
      const outcome = await runScenario(scenario, broker as ChaosBroker, scale);
      if (isSkip(outcome)) skips.push(outcome);
      else reports.push(outcome);
    }
  }
  const fuzz =
    values['no-fuzz'] || values.only ? undefined : await runFuzz(values.short ? undefined : 10_000);
  const results: ChaosResults = {
    startedAt: new Date(started).toISOString(),
    scale,
    reports,
    skips,
    fuzz,
    elapsedMs: Date.now() - started,
  };
  writeResults(RESULTS, results);
  process.stdout.write(`\n${formatTable(reports)}\n`);
  if (skips.length > 0) process.stdout.write(`\n${formatSkips(skips)}\n`);
  const notes = reports.flatMap((r) =>
    (r.notes ?? []).map((n) => `${r.scenario} on ${r.broker}: ${n}`),
  );
  if (notes.length > 0) process.stdout.write(`\nnotes:\n${notes.join('\n')}\n`);
  const violations = formatViolations(reports);
  if (violations) process.stdout.write(`\nviolations:\n${violations}\n`);
  if (fuzz)
    process.stdout.write(
      `\nfuzz: ${fuzz.command}: ${fuzz.tests} properties in ${fuzz.files} files, ${fuzz.runsPerProperty} cases each, ${fuzz.passed} passed, ${fuzz.failed} failed\n`,
    );
  process.stdout.write(
    `\n${(results.elapsedMs / 60_000).toFixed(1)} min; results in chaos/results/latest.json\n`,
  );
  const failed = violations !== '' || (fuzz !== undefined && !fuzz.ok);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
