import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A wall clock one process sees stepped, made with libfaketime (Debian package `faketime`):
 * LD_PRELOAD'ed into the process, it adds an offset read from a file to what
 * `clock_gettime(CLOCK_REALTIME)` returns, so `Date.now()` and `new Date()` jump when the file
 * changes, as they do when NTP or an operator steps the clock. CLOCK_MONOTONIC is left alone
 * (FAKETIME_DONT_FAKE_MONOTONIC): a real step never moves it, and libuv's timers run on it, so
 * setTimeout and setInterval keep their real durations. Faking it too would be wrong twice over:
 * a step forward fires every pending timer at once and a step back stalls them all.
 */
export interface FakeClock {
  /** Environment variables that put a process started with them on this clock. */
  readonly env: Record<string, string>;
  /** The offset from the real clock now, in seconds. */
  readonly offsetSeconds: number;
  /** Sets the offset from the real clock (the step is the difference from the previous one). */
  setOffset(seconds: number): void;
  /** Deletes the offset file. */
  remove(): void;
}

/** Where Debian and Ubuntu install the library (the MT build is the one for threaded programs). */
const LIBRARY_PATHS = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1',
  '/usr/lib/faketime/libfaketimeMT.so.1',
  '/usr/local/lib/faketime/libfaketimeMT.so.1',
];

/** The libfaketime library on this machine, or undefined. */
export function faketimeLibrary(): string | undefined {
  return LIBRARY_PATHS.find((path) => existsSync(path));
}

/** Why a process cannot be put on a fake clock here, or undefined when it can. */
export function fakeClockUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'libfaketime clock steps need Linux';
  if (!faketimeLibrary()) return 'no libfaketime (apt-get install faketime)';
  return undefined;
}

/** A clock at offset 0 whose offset file lives in `dir`. */
export function createFakeClock(dir: string): FakeClock {
  const library = faketimeLibrary();
  if (!library) throw new Error('createFakeClock: no libfaketime (apt-get install faketime)');
  const file = join(dir, 'faketime.rc');
  let offset = 0;
  const write = (seconds: number) => writeFileSync(file, `${seconds >= 0 ? '+' : ''}${seconds}\n`);
  write(0);
  return {
    env: {
      LD_PRELOAD: library,
      FAKETIME_TIMESTAMP_FILE: file,
      // Re-read the file at most once a second: a step takes effect within a second, and a
      // busy worker does not read the file on every clock call.
      FAKETIME_CACHE_DURATION: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      // Child processes the worker starts (pools) share its clock, as on a real machine.
      FAKETIME_DONT_RESET: '1',
    },
    get offsetSeconds() {
      return offset;
    },
    setOffset(seconds) {
      offset = seconds;
      write(seconds);
    },
    remove: () => rmSync(file, { force: true }),
  };
}
