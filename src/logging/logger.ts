import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import { LogDestination } from './log-destination.ts';

// The pretty printer is for terminals only: processes logging JSON never load it.
const requireFromHere = createRequire(import.meta.url);

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/**
 * The default logger: JSON lines when stdout is not a terminal (for log shippers), readable
 * lines in a terminal. Fields that commonly hold secrets are redacted. Both write through a
 * LogDestination, so a closed stdout or a full disk never blocks, throws into or crashes the
 * process.
 */
export function createLogger(level: LogLevel = 'info', options: { pretty?: boolean } = {}): Logger {
  const usePretty = options.pretty ?? process.stdout.isTTY === true;
  const base = {
    level,
    redact: { paths: ['password', '*.password', 'url', '*.url'], censor: '***' },
  };
  const format = usePretty ? prettyFormat() : undefined;
  return pino(base, new LogDestination(1, { format }));
}

/** pino-pretty as a line formatter, so pretty lines take the same safe way out as JSON ones. */
function prettyFormat(): (line: string) => string {
  const { prettyFactory } = requireFromHere('pino-pretty') as typeof PinoPretty;
  return prettyFactory({
    singleLine: true,
    translateTime: 'HH:MM:ss.l',
    ignore: 'pid,hostname,worker',
  });
}
