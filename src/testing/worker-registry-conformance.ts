import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WorkerInfo, WorkerRegistry } from '../brokers/contract/worker-registry.ts';
import { pollUntil } from './control-waits.ts';

/** Never lapses while a case runs. */
const LONG_TTL = 600_000;
/** Lapses soon enough that waiting for it keeps a case short. */
const SHORT_TTL = 300;

function info(name: string, change: Partial<WorkerInfo> = {}): WorkerInfo {
  return {
    name,
    hostname: 'host-1',
    pid: 4242,
    queues: ['default', 'emails'],
    concurrency: 8,
    active: 0,
    processed: 0,
    pool: 'threads',
    startedAt: 1_700_000_000_000,
    heartbeatAt: 1_700_000_001_000,
    ...change,
  };
}

/**
 * Registers the tests every `WorkerRegistry` must pass unchanged. `peers` returns two handles on
 * one registry, standing for two processes (for an in-process registry, the same object twice).
 * Each case uses worker names no other case uses; `list()` may show other cases' workers too.
 */
export function workerRegistryConformance(
  name: string,
  peers: () => readonly [WorkerRegistry, WorkerRegistry],
): void {
  const fresh = () => `conformance-${randomUUID().slice(0, 8)}`;
  /** The listed workers whose names start with `prefix`. */
  const listed = async (registry: WorkerRegistry, prefix: string) =>
    (await registry.list()).filter((w) => w.name.startsWith(prefix));

  describe(`${name} worker registry conformance`, () => {
    it('a heartbeat on one peer is listed by the other, sorted by name', async () => {
      const [a, b] = peers();
      const prefix = fresh();
      const workers = [info(`${prefix}-b@h2`, { hostname: 'h2' }), info(`${prefix}-a@h1`)];
      for (const worker of workers) await a.heartbeat(worker, LONG_TTL);
      expect(await listed(b, prefix)).toEqual([workers[1], workers[0]]);
    });

    it('a later heartbeat replaces the info', async () => {
      const [a, b] = peers();
      const name = fresh();
      await a.heartbeat(info(name, { active: 1 }), LONG_TTL);
      const later = info(name, { active: 5, processed: 17, queues: ['other'], heartbeatAt: 2 });
      await b.heartbeat(later, LONG_TTL);
      expect(await listed(a, name)).toEqual([later]);
    });

    it('remove forgets a worker on both peers; removing an unknown one is harmless', async () => {
      const [a, b] = peers();
      const prefix = fresh();
      await a.heartbeat(info(`${prefix}-1`), LONG_TTL);
      await a.heartbeat(info(`${prefix}-2`), LONG_TTL);
      await b.remove(`${prefix}-1`);
      await b.remove(`${prefix}-unknown`);
      expect((await listed(a, prefix)).map((w) => w.name)).toEqual([`${prefix}-2`]);
      expect((await listed(b, prefix)).map((w) => w.name)).toEqual([`${prefix}-2`]);
    });

    it('a worker that stops beating lapses after its ttl', async () => {
      const [a, b] = peers();
      const prefix = fresh();
      await a.heartbeat(info(`${prefix}-alive`), LONG_TTL);
      await a.heartbeat(info(`${prefix}-silent`), SHORT_TTL);
      await pollUntil(async () => (await listed(b, prefix)).length === 1, 'the worker to lapse');
      expect((await listed(b, prefix)).map((w) => w.name)).toEqual([`${prefix}-alive`]);
    });

    it('a heartbeat extends the ttl', async () => {
      const [a, b] = peers();
      const prefix = fresh();
      await a.heartbeat(info(`${prefix}-refreshed`), SHORT_TTL);
      await a.heartbeat(info(`${prefix}-refreshed`), LONG_TTL);
      // Beat after the first short beat: once it lapsed, that one would have.
      await a.heartbeat(info(`${prefix}-witness`), SHORT_TTL);
      await pollUntil(async () => (await listed(b, prefix)).length === 1, 'the witness to lapse');
      expect((await listed(b, prefix)).map((w) => w.name)).toEqual([`${prefix}-refreshed`]);
    });

    it('refuses a ttl that is not above zero', async () => {
      const [a] = peers();
      await expect(a.heartbeat(info(fresh()), -5)).rejects.toThrow(
        'heartbeat needs a ttl in ms above zero, got -5',
      );
    });
  });
}
