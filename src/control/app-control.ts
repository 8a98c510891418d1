import type { App } from '../app/app.ts';
import { listRateLimits, type RateChange, setRateLimit } from '../flow/rate/rate-control.ts';

/** Changes that apply to the whole cluster at runtime, through the broker (`app.control`). */
export class AppControl {
  constructor(private readonly app: App) {}

  /**
   * Sets a rate-limited task's limit for every worker: `'10/s'`, `'off'` (no limit) or
   * `'reset'` (back to the code's). Throws UnknownTask, InvalidRate or NotRateLimited.
   */
  async rateLimit(task: string, rate: string): Promise<RateChange> {
    await this.app.connect();
    return setRateLimit(this.app, task, rate);
  }

  /** The rate limits changed at runtime, as text by task name. */
  async rateLimits(): Promise<Map<string, string>> {
    await this.app.connect();
    return listRateLimits(this.app);
  }
}
