import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

// The pretty printer is for terminals only: processes logging JSON never load it.
const requireFromHere = createRequire(import.meta.url);

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/**
 * The default logger: JSON lines when stdout is not a terminal (for log shippers), readable
 * lines in a terminal. Fields that commonly hold secrets are redacted.
 */
export function createLogger(level: LogLevel = 'info', options: { pretty?: boolean } = {}): Logger {
  const usePretty = options.pretty ?? process.stdout.isTTY === true;
  const base = {
    level,
    redact: { paths: ['password', '*.password', 'url', '*.url'], censor: '***' },
  };
  if (!usePretty) return pino(base);
  const pretty = requireFromHere('pino-pretty') as typeof PinoPretty;
  return pino(
    base,
    pretty({
      sync: true,
      singleLine: true,
      translateTime: 'HH:MM:ss.l',
      ignore: 'pid,hostname,worker',
    }),
  );
}
