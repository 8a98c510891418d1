import { randomUUID } from 'node:crypto';
import { afterEach, describe, it } from 'vitest';
import type { Broker } from '../brokers/broker.ts';
import { adminCases } from './broker-cases/admin-cases.ts';
import type { BrokerCase, CaseContext } from './broker-cases/case.ts';
import { deliveryCases } from './broker-cases/delivery-cases.ts';
import { timingCases } from './broker-cases/timing-cases.ts';

/** Options of `brokerConformance`. */
export interface BrokerConformanceOptions {
  /** Test title → why this adapter cannot pass it. Unknown titles are an error. */
  skip?: Record<string, string>;
}

/** Generous for slow CI; a case that hangs (a wait that never ends) fails instead of stalling. */
const CASE_TIMEOUT_MS = 15_000;

/** Every case, in the order they run. */
const CASES: readonly BrokerCase[] = [...deliveryCases, ...timingCases, ...adminCases];

/** Titles of the conformance tests, the keys `skip` accepts. */
export const brokerConformanceTitles: readonly string[] = CASES.map((c) => c.title);

/**
 * Registers the tests every broker must pass unchanged. `makeBroker` is called once per test,
 * and once more for brokers with `capabilities.shared`; calls within one test must reach the
 * same store (for example a file path chosen in a `beforeEach`).
 */
export function brokerConformance(
  name: string,
  makeBroker: () => Promise<Broker> | Broker,
  options: BrokerConformanceOptions = {},
): void {
  const skip = options.skip ?? {};
  const unknown = Object.keys(skip).filter((title) => !brokerConformanceTitles.includes(title));
  if (unknown.length > 0) {
    throw new Error(
      `brokerConformance(${name}): unknown test titles in skip: ${unknown.join(', ')}`,
    );
  }

  describe(`${name} broker conformance`, () => {
    const opened: Broker[] = [];
    const open = async (): Promise<Broker> => {
      const broker = await makeBroker();
      opened.push(broker);
      await broker.connect();
      return broker;
    };

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((broker) => broker.close()));
    });

    for (const testCase of CASES) {
      const reason = skip[testCase.title];
      const title =
        reason === undefined ? testCase.title : `${testCase.title} (skipped: ${reason})`;
      it.skipIf(reason !== undefined)(
        title,
        async () => {
          await testCase.run(context(await open(), open));
        },
        CASE_TIMEOUT_MS,
      );
    }
  });
}

function context(broker: Broker, open: () => Promise<Broker>): CaseContext {
  const prefix = `conformance-${randomUUID().slice(0, 8)}`;
  return {
    broker,
    queue: (suffix = 'q') => `${prefix}-${suffix}`,
    another: async () => (broker.capabilities.shared ? open() : broker),
  };
}
