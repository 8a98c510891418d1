import { drainLogDestinations } from '../logging/log-destination.ts';

/** How long an exit waits for log lines still queued (a slow reader, a full pipe). */
const LOG_DRAIN_MS = 2000;

/**
 * Runs one log call of a shutdown path. The default logger never throws, but a `config.logger`
 * of the user's might (its stream closed, its disk full), and a stop must not hang on a log line.
 */
export function logSafely(logCall: () => void): void {
  try {
    logCall();
  } catch {
    // The stop it reports has already started; losing the line is the lesser harm.
  }
}

/**
 * Keeps a write error on stdout or stderr (a reader that went away, a full disk) from becoming
 * an uncaught exception: Node emits it as an 'error' event, and with no listener the process
 * dies, in the middle of whatever its tasks were doing. Long-running commands call this first;
 * their output is logs, which are lost either way, and their work is not.
 */
export function ignoreStdioWriteErrors(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}

/** Waits until the log lines queued so far are written (or dropped), 2 s at most. */
export function drainLogs(): Promise<void> {
  return drainLogDestinations(LOG_DRAIN_MS);
}

/** Exits with `code` once the log lines queued so far are written, or after 2 s at most. */
export async function exitAfterLogs(code: number): Promise<never> {
  await drainLogs();
  process.exit(code);
}

/**
 * Writes a line of a command's own output. A file on a full disk makes Node's stdout throw
 * (where a pipe emits 'error'); the line is lost, and the command goes on: true if written.
 */
export function writeSafely(stream: NodeJS.WriteStream, text: string): boolean {
  try {
    stream.write(text);
    return true;
  } catch {
    return false;
  }
}
