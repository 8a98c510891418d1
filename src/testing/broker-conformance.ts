import { randomUUID } from 'node:crypto';
import { afterEach, describe, it } from 'vitest';
import type { Broker } from '../brokers/contract/index.ts';
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

/** Every transport case, in the order they run: delivery, then timing. */
const TRANSPORT_CASES: readonly BrokerCase[] = [...deliveryCases, ...timingCases];

/** Every case of a full broker: the transport's, then queue admin's. */
const CASES: readonly BrokerCase[] = [...TRANSPORT_CASES, ...adminCases];

/** Titles of the conformance tests, the keys `skip` accepts. */
export const brokerConformanceTitles: readonly string[] = CASES.map((c) => c.title);

/**
 * Registers the tests every broker must pass unchanged: the transport's and queue admin's.
 * `makeBroker` is called once per test, and once more for brokers with `capabilities.shared`;
 * calls within one test must reach the same store (for example a file path chosen in a
 * `beforeEach`). The coordination stores have suites of their own (`coordinationConformance`).
 */
export function brokerConformance(
  name: string,
  makeBroker: () => Promise<Broker> | Broker,
  options: BrokerConformanceOptions = {},
): void {
  registerCases(`${name} broker conformance`, CASES, makeBroker, options);
}

/**
 * Registers the transport's cases alone (enqueue, reserve under a lease, ack, nack, leases,
 * delays): what every broker passes, a transport-only one (paired with a coordination store)
 * included. Queue admin (`queueAdminConformance`) is checked apart.
 */
export function transportConformance(
  name: string,
  makeBroker: () => Promise<Broker> | Broker,
  options: BrokerConformanceOptions = {},
): void {
  registerCases(`${name} transport conformance`, TRANSPORT_CASES, makeBroker, options);
}

/** Registers queue admin's cases alone: stats, queues, purge, dead-letter listing and actions. */
export function queueAdminConformance(
  name: string,
  makeBroker: () => Promise<Broker> | Broker,
  options: BrokerConformanceOptions = {},
): void {
  registerCases(`${name} queue admin conformance`, adminCases, makeBroker, options);
}

function registerCases(
  suite: string,
  cases: readonly BrokerCase[],
  makeBroker: () => Promise<Broker> | Broker,
  options: BrokerConformanceOptions,
): void {
  const skip = options.skip ?? {};
  const titles = cases.map((c) => c.title);
  const unknown = Object.keys(skip).filter((title) => !titles.includes(title));
  if (unknown.length > 0) {
    throw new Error(`${suite}: unknown test titles in skip: ${unknown.join(', ')}`);
  }

  describe(suite, () => {
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

    for (const testCase of cases) {
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
