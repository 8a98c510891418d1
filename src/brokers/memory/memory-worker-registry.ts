import { checkTtl } from '../../control/control-input.ts';
import type { WorkerInfo, WorkerRegistry } from '../contract/worker-registry.ts';

/** Live workers in this process's memory, each with the time its record lapses. */
export class MemoryWorkerRegistry implements WorkerRegistry {
  readonly #workers = new Map<string, { info: WorkerInfo; expiresAt: number }>();

  /** `now` is injectable so tests can lapse records on a fake clock. */
  constructor(private readonly now: () => number = Date.now) {}

  /** Replaces the worker's record and pushes its lapse to now + ttlMs. */
  async heartbeat(info: WorkerInfo, ttlMs: number): Promise<void> {
    checkTtl(ttlMs, 'heartbeat');
    this.#workers.set(info.name, { info: structuredClone(info), expiresAt: this.now() + ttlMs });
  }

  /** Forgets a worker. */
  async remove(name: string): Promise<void> {
    this.#workers.delete(name);
  }

  /** Records not yet lapsed, sorted by name. */
  async list(): Promise<WorkerInfo[]> {
    const now = this.now();
    const live: WorkerInfo[] = [];
    for (const [name, record] of this.#workers) {
      if (record.expiresAt <= now) this.#workers.delete(name);
      else live.push(structuredClone(record.info));
    }
    return live.sort((a, b) => a.name.localeCompare(b.name));
  }
}
