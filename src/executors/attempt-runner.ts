import type { Envelope } from '../envelope/envelope.ts';
import type { Outcome } from '../middleware/middleware.ts';
import type { RegisteredTask } from '../task/registry.ts';

/** Where one attempt of a task runs: in this process, or in a pool of threads or child processes. */
export interface AttemptRunner {
  /** Loads what the runner needs (a pool spawns its children); rejects with why it cannot. */
  start(): Promise<void>;
  /** Runs one attempt to its outcome; `signal` aborts the handler's `ctx.signal` (shutdown). */
  run(task: RegisteredTask, envelope: Envelope, signal: AbortSignal): Promise<Outcome>;
  /** Stops the children, if any; an attempt still running there is abandoned. */
  close(): Promise<void>;
  /** Keeps `size` children (autoscale); runners without children leave it out. */
  resize?(size: number): void;
  /**
   * Ends the running attempt of task `id` now, its outcome a TaskRevoked failure (`revoke
   * --terminate`); false when no attempt of it runs here.
   */
  terminate(id: string): boolean;
}
