import { describe, expect, it } from 'vitest';
import { hasRedisServer, isSkip, runScenario } from '../../chaos/harness/run-scenario.ts';
import type { ChaosBroker, ChaosReport } from '../../chaos/scenario.ts';
import { SCENARIOS } from '../../chaos/scenario-list.ts';
import { workerKillCycles } from '../../chaos/scenarios/worker-kill-cycles.ts';

const CI = process.env.CI === 'true';
const REDIS_SERVER = hasRedisServer();

/** Why a broker cannot run here; under CI a missing redis-server is a failure, not a skip. */
function brokerSkip(broker: ChaosBroker): string | undefined {
  if (broker !== 'redis' || REDIS_SERVER) return undefined;
  if (CI) throw new Error('the chaos suite needs a redis-server binary on PATH under CI=true');
  return 'no redis-server binary on PATH';
}

/** A one-line report of the run, so a failure says what the checker measured. */
function summary(r: ChaosReport): string {
  return `${r.scenario} on ${r.broker}: sent ${r.sent}, accepted ${r.accepted}, lost ${r.lost}, duplicated ${r.duplicated} (bound ${r.inFlightBound}), unexpected ${r.unexpected}\n${r.violations.join('\n')}`;
}

const cases = SCENARIOS.flatMap((s) => s.brokers.map((broker) => ({ scenario: s, broker })));

describe('the chaos suite at short scale', () => {
  it.for(cases)(
    '$scenario.name on $broker: nothing lost, duplicates bounded, nothing stuck',
    { timeout: 120_000 },
    async ({ scenario, broker }, ctx) => {
      const reason = brokerSkip(broker);
      if (reason) {
        process.stderr.write(`skipping chaos ${scenario.name} on ${broker}: ${reason}\n`);
        return ctx.skip();
      }
      const outcome = await runScenario(scenario, broker, 'short');
      if (isSkip(outcome)) {
        process.stderr.write(
          `skipping chaos ${outcome.scenario} on ${broker}: ${outcome.skipped}\n`,
        );
        return ctx.skip();
      }
      expect(outcome.violations, summary(outcome)).toEqual([]);
      expect(outcome.lost).toBe(0);
      expect(outcome.unexpected).toBe(0);
      expect(outcome.duplicated).toBeLessThanOrEqual(outcome.inFlightBound);
      expect(outcome.accepted).toBeGreaterThan(0);
    },
  );

  it('fails when the fixture acks tasks it never ran: the checker reports them lost', async () => {
    const broken = workerKillCycles({ name: 'broken fixture', fixtureFault: 'drop:10' });
    const outcome = await runScenario(broken, 'sqlite', 'short');
    if (isSkip(outcome)) throw new Error(`the broken-fixture run was skipped: ${outcome.skipped}`);
    expect(outcome.lost).toBeGreaterThan(0);
    expect(outcome.violations.some((v) => v.includes('accepted tasks never ran'))).toBe(true);
  }, 120_000);
});
