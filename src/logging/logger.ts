import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

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
