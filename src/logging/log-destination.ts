import { write, writeSync } from 'node:fs';
import { chooseWriteMode, type WriteMode } from './write-mode.ts';

/** What became of a write the destination could not make. */
type Trouble = 'busy' | 'gone' | 'refused';

// A reader that is slow or a non-blocking pipe that is full: try again shortly.
const BUSY = new Set(['EAGAIN', 'EWOULDBLOCK', 'EBUSY', 'EINTR']);
// Nobody will ever read what is written here again: a closed pipe or socket, a closed fd.
const GONE = new Set(['EPIPE', 'ECONNRESET', 'ENOTCONN', 'ESHUTDOWN', 'EBADF', 'EDESTADDRREQ']);

/** Characters held while the destination cannot take them (see `#waitForRoom`). */
const MAX_QUEUED_BYTES = 8 << 20;
const BUSY_RETRY_MS = 25;
/** How long a log call may wait for a full pipe before its reader counts as stalled. */
const STALL_MS = 1000;
/** A full disk (or another refusal) is retried at most this often, with the lines then queued. */
const REFUSED_RETRY_MS = 1000;

/** Destinations with lines not yet written: what a drain or the exit waits for. */
const busy = new Set<LogDestination>();

/**
 * Where the default logger's lines go: a file descriptor (stdout by default) written in order,
 * that never blocks the event loop, throws, emits 'error' or spins, whatever became of it.
 *
 * Why not pino's own destination: on a write error it either re-emits 'error' with no listener
 * (ENOSPC kills the process, mid-task), or, in its flush at exit, retries any error every 100 ms
 * forever (EPIPE or ENOSPC then block the event loop, so no signal is ever handled again).
 * Here a closed reader ends the writing for good, a full disk drops lines (counted, and said so
 * once lines fit again), and a full pipe is retried on a timer; all of it bounded in memory.
 */
export class LogDestination {
  readonly #fd: number;
  readonly #mode: WriteMode;
  readonly #format: (line: string) => string;
  #queue: string[] = [];
  #queuedBytes = 0;
  #writing: { bytes: Buffer; lines: number } | undefined;
  #inFlight = false;
  #paused = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #stalled = false;
  #closed = false;
  #dropped = 0;
  #unreported = 0;
  #reason = '';
  #idle: Array<() => void> = [];

  /** A destination on `fd`; `format` turns each JSON line into what is written (pretty mode). */
  constructor(fd = 1, options: { format?: (line: string) => string } = {}) {
    this.#fd = fd;
    this.#format = options.format ?? ((line) => line);
    this.#mode = chooseWriteMode(fd);
    if (this.#mode === 'closed') this.#closed = true;
  }

  /** Lines dropped so far (a closed reader, a full disk, a backlog past 1 MiB). */
  get dropped(): number {
    return this.#dropped;
  }

  /** True once the reader is gone for good: nothing more is written. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Takes one line (pino's write); never throws and never waits. */
  write(line: string): boolean {
    try {
      this.#enqueue(this.#format(line));
      this.#pump();
    } catch {
      // Formatting or a write path failing must not reach the code that logged.
      this.#drop(1, 'format');
    }
    return true;
  }

  /** pino's `logger.flush(cb)`: calls back once written, or given up on (see `drain`). */
  flush(cb?: (error?: Error) => void): void {
    void this.drain().then(() => cb?.());
  }

  /** Resolves once every queued line is written or dropped, or after `timeoutMs` at most. */
  drain(timeoutMs = 2000): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * One last synchronous try at exit, when nothing is being written: a write in flight means
   * the fd is slow or stuck, and a second, synchronous write could block the exit forever.
   */
  flushAtExit(): void {
    if (this.#closed || this.#inFlight || this.#mode === 'async') return;
    this.#paused = false;
    this.#pump();
  }

  #enqueue(text: string): void {
    if (this.#closed) this.#drop(1, 'closed');
    else if (!this.#hasRoomFor(text.length)) this.#drop(1, 'backlog over 8 MiB');
    else {
      this.#queue.push(text);
      this.#queuedBytes += text.length;
      busy.add(this);
    }
  }

  #hasRoomFor(length: number): boolean {
    if (this.#queuedBytes + length <= MAX_QUEUED_BYTES) return true;
    return this.#mode === 'sync' && !this.#stalled && this.#waitForRoom(length);
  }

  /**
   * A burst of lines faster than a live reader reads: the log call waits, writing as the pipe
   * empties (backpressure, as synchronous logging has), rather than lose lines. A reader that
   * takes nothing for STALL_MS is stalled: from then on lines are dropped at once, without
   * waiting, until a write goes through again; so a stuck reader costs one wait, not one per line.
   */
  #waitForRoom(length: number): boolean {
    const deadline = Date.now() + STALL_MS;
    // An empty queue takes any line, even one longer than the backlog itself.
    while (this.#queuedBytes > 0 && this.#queuedBytes + length > MAX_QUEUED_BYTES) {
      const result = this.#writeNow();
      if (result === 'refused' || this.#closed) return false;
      if (result === 'busy' && Date.now() > deadline) {
        this.#stalled = true;
        return false;
      }
      if (result === 'busy') sleepMs(1);
    }
    return true;
  }

  /** One synchronous write of the chunk at hand, whatever the pause: what became of it. */
  #writeNow(): 'written' | Trouble {
    if (!this.#take()) return 'written';
    const [error, written] = this.#writeSync();
    this.#settle(error, written);
    return !error && written > 0 ? 'written' : troubleOf(error);
  }

  #pump(): void {
    while (!this.#inFlight && !this.#paused && !this.#closed && this.#take()) {
      if (this.#mode === 'async') this.#writeAsync();
      else this.#settle(...this.#writeSync());
    }
    if (!this.#isIdle()) return;
    busy.delete(this);
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Moves the queue (and a drop notice first, if lines were lost) into the chunk to write. */
  #take(): boolean {
    if (this.#writing) return true;
    if (this.#unreported > 0 && this.#queue.length > 0) this.#queue.unshift(this.#notice());
    if (this.#queue.length === 0) return false;
    this.#writing = { bytes: Buffer.from(this.#queue.join('')), lines: this.#queue.length };
    this.#queue = [];
    this.#queuedBytes = 0;
    return true;
  }

  #writeSync(): [NodeJS.ErrnoException | null, number] {
    try {
      return [null, writeSync(this.#fd, this.#writing?.bytes ?? Buffer.alloc(0))];
    } catch (error) {
      return [error as NodeJS.ErrnoException, 0];
    }
  }

  #writeAsync(): void {
    this.#inFlight = true;
    write(this.#fd, this.#writing?.bytes ?? Buffer.alloc(0), (error, written) => {
      this.#inFlight = false;
      this.#settle(error, written);
      this.#pump();
    });
  }

  #settle(error: NodeJS.ErrnoException | null, written: number): void {
    const chunk = this.#writing;
    if (!chunk) return;
    if (!error && written > 0) {
      this.#stalled = false;
      const rest = chunk.bytes.subarray(written);
      this.#writing = rest.length > 0 ? { bytes: rest, lines: chunk.lines } : undefined;
      return;
    }
    const trouble = troubleOf(error);
    if (trouble === 'busy') {
      this.#pause(BUSY_RETRY_MS);
      return;
    }
    this.#writing = undefined;
    this.#drop(chunk.lines, error?.code ?? 'no bytes written');
    if (trouble === 'gone') this.#close();
    else this.#pause(REFUSED_RETRY_MS);
  }

  #pause(ms: number): void {
    this.#paused = true;
    // One retry at a time: a wait for room may meet a full pipe many times over.
    this.#retryTimer ??= setTimeout(() => {
      this.#retryTimer = undefined;
      this.#paused = false;
      this.#pump();
    }, ms).unref();
  }

  #close(): void {
    this.#closed = true;
    this.#drop(this.#queue.length, 'closed');
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  #drop(lines: number, reason: string): void {
    this.#dropped += lines;
    this.#unreported += lines;
    this.#reason = reason;
  }

  #notice(): string {
    const line = JSON.stringify({
      level: 40,
      time: Date.now(),
      msg: `${this.#unreported} log lines were dropped (${this.#reason}): the log destination could not take them`,
    });
    this.#unreported = 0;
    return this.#format(line);
  }

  #isIdle(): boolean {
    return this.#closed || (!this.#writing && this.#queue.length === 0 && !this.#inFlight);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function troubleOf(error: NodeJS.ErrnoException | null): Trouble {
  // Zero bytes written without an error is a full non-blocking fd by another name.
  if (!error) return 'busy';
  const code = error.code ?? '';
  if (BUSY.has(code)) return 'busy';
  if (GONE.has(code)) return 'gone';
  return 'refused';
}

/** Waits (at most `timeoutMs`) for every log destination of this process to write its lines. */
export async function drainLogDestinations(timeoutMs = 2000): Promise<void> {
  await Promise.all([...busy].map((destination) => destination.drain(timeoutMs)));
}

process.on('exit', () => {
  for (const destination of [...busy]) destination.flushAtExit();
});
