// The pool benchmark's tasks: each pool child imports this module itself. No broker is needed
// beyond the worker process's own, so the app runs on the memory broker.
import { createHash } from 'node:crypto';
import { createApp } from '../../src/index.ts';

export const app = createApp(
  { broker: 'memory://', logLevel: 'silent', defaultQueue: 'pools', ignoreResult: true },
  {},
);

/** A fixed amount of CPU work: `rounds` chained SHA-256 digests. */
export const hash = app.task('bench.hash', (_ctx, rounds: number) => {
  let digest = Buffer.from('celeriac');
  for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).digest();
  return digest.length;
});

/** Waits `ms` without using the CPU: IO-bound work. */
export const wait = app.task(
  'bench.wait',
  (_ctx, ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
);
