import { spawnSync } from 'node:child_process';
import type {
  ChaosBroker,
  ChaosReport,
  ChaosScale,
  ChaosScenario,
  ChaosSkip,
} from '../scenario.ts';

/** Whether a `redis-server` binary is on PATH, so the suite can start its own servers. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore', timeout: 5_000 }).status === 0;
}

/** Why `broker` cannot run here at all, or undefined. */
function brokerUnavailable(broker: ChaosBroker): string | undefined {
  if (broker === 'redis' && !hasRedisServer()) return 'no redis-server binary on PATH';
  return undefined;
}

/** Whether a run ended in a skip rather than a report. */
export function isSkip(outcome: ChaosReport | ChaosSkip): outcome is ChaosSkip {
  return 'skipped' in outcome;
}

/** A report for a scenario that threw: nothing measured, the error as its violation. */
function crashed(scenario: string, broker: ChaosBroker, error: unknown): ChaosReport {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return {
    scenario,
    broker,
    ...{ sent: 0, accepted: 0, run: 0, lost: 0, duplicated: 0, inFlightBound: 0, unexpected: 0 },
    recoverMs: undefined,
    violations: [`the scenario failed: ${message}`],
  };
}

/** Runs one scenario on one broker: a skip with its reason, or the checker's report. */
export async function runScenario(
  scenario: ChaosScenario,
  broker: ChaosBroker,
  scale: ChaosScale,
): Promise<ChaosReport | ChaosSkip> {
  const reason = brokerUnavailable(broker) ?? (await scenario.unavailable?.(broker));
  if (reason !== undefined) return { scenario: scenario.name, broker, skipped: reason };
  try {
    return await scenario.run(broker, scale);
  } catch (error) {
    return crashed(scenario.name, broker, error);
  }
}
