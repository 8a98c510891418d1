import { sleep } from '../time/sleep.ts';
import { READY_STATES, type TaskResultRecord } from './backend.ts';

/**
 * The default `ResultBackend.wait`: polls `get` with a backoff from 5 ms up to 200 ms, so a
 * quick task is seen quickly and a slow one costs a few reads a second.
 */
export async function pollForResult(
  get: (id: string) => Promise<TaskResultRecord | undefined>,
  id: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<TaskResultRecord | undefined> {
  const deadline = Date.now() + timeoutMs;
  let interval = 5;
  for (;;) {
    const record = await get(id);
    if (record && READY_STATES.has(record.state)) return record;
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) return undefined;
    await sleep(Math.min(interval, left), signal);
    interval = Math.min(interval * 2, 200);
  }
}
