/** The result waits in progress on a backend, so `close` can end them all with undefined. */
export class PendingWaits {
  private readonly waits = new Set<AbortController>();

  /**
   * Runs `wait` with a signal that aborts when the caller's does or on `abortAll`. An error
   * thrown after that abort (a command cut short by `close`) ends the wait quietly.
   */
  async run<T>(
    signal: AbortSignal | undefined,
    wait: (stop: AbortSignal) => Promise<T | undefined>,
  ): Promise<T | undefined> {
    if (signal?.aborted) return undefined;
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.waits.add(stop);
    try {
      return await wait(stop.signal);
    } catch (error) {
      if (stop.signal.aborted) return undefined;
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.waits.delete(stop);
    }
  }

  /** Ends every pending wait. */
  abortAll(): void {
    for (const controller of this.waits) controller.abort();
    this.waits.clear();
  }
}
