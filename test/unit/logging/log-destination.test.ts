import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogDestination } from '../../../src/logging/log-destination.ts';
import { type SmallTmpfs, smallTmpfsOrSkip } from '../../support/small-tmpfs.ts';

const line = (i: number) => `${JSON.stringify({ level: 30, msg: `line ${i}` })}\n`;

describe('LogDestination', () => {
  const fds: number[] = [];
  let dir: string | undefined;
  let tmpfs: SmallTmpfs | undefined;

  afterEach(async () => {
    for (const fd of fds.splice(0)) closeSync(fd);
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
    await tmpfs?.unmount();
    tmpfs = undefined;
  });

  /** A FIFO's write end (blocking or not) and its read end, which the test may close. */
  const fifo = (writeFlags: number) => {
    dir = mkdtempSync(join(tmpdir(), 'celeriac-fifo-'));
    const path = join(dir, 'fifo');
    execFileSync('mkfifo', [path]);
    const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(path, writeFlags);
    fds.push(writer);
    return { path, reader, writer };
  };

  // 60,000 lines of 200 characters: 12 MB, past the 8 MiB the destination holds.
  const burst = 60_000;
  const padded = (i: number) => line(i).padStart(200, ' ');

  it('a burst past the backlog to a slow live reader: the log calls wait, and no line is lost', async () => {
    const { path, reader, writer } = fifo(constants.O_WRONLY | constants.O_NONBLOCK);
    fds.push(reader);
    // Another process reads, so that it can read while this thread waits in a log call.
    const counter = spawn('sh', ['-c', `cat "${path}" | wc -l`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let counted = '';
    counter.stdout.on('data', (data) => {
      counted += String(data);
    });
    const done = new Promise((resolve) => counter.once('exit', resolve));
    const destination = new LogDestination(writer);
    for (let i = 0; i < burst; i++) destination.write(padded(i));
    await destination.drain(60_000);
    closeSync(fds.splice(fds.indexOf(writer), 1)[0] as number);
    await done;
    expect(destination.dropped).toBe(0);
    expect(Number(counted.trim())).toBe(burst);
  });

  it('a burst past the backlog to a stalled reader: lines are dropped and counted, in order otherwise', async () => {
    const { reader, writer } = fifo(constants.O_WRONLY | constants.O_NONBLOCK);
    fds.push(reader);
    const destination = new LogDestination(writer);
    for (let i = 0; i < burst; i++) expect(destination.write(padded(i))).toBe(true);
    expect(destination.dropped).toBeGreaterThan(0);
    const got = await readUntilIdle(reader, destination);
    const numbers = [...got.matchAll(/"line (\d+)"/g)].map((m) => Number(m[1]));
    expect(numbers.length + destination.dropped).toBe(burst);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  });

  it('on a full disk: no write throws, and every line is written or counted as dropped', async (ctx) => {
    tmpfs = await smallTmpfsOrSkip(64 * 1024, (reason) => ctx.skip(reason));
    if (!tmpfs) return;
    const path = join(tmpfs.dir, 'app.log');
    const fd = openSync(path, 'a');
    fds.push(fd);
    await tmpfs.fill();
    const destination = new LogDestination(fd);
    for (let i = 0; i < 10; i++) expect(destination.write(line(i))).toBe(true);
    expect(destination.dropped).toBeGreaterThan(0);
    await tmpfs.release();
    await destination.drain(30_000);
    const written = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    const kept = written.filter((text) => text.includes('"msg":"line '));
    expect(kept.length + destination.dropped).toBe(10);
    expect(written[0]).toContain(`${destination.dropped} log lines were dropped`);
    expect(written[0]).toContain('ENOSPC');
  });

  it('takes a single line longer than its whole backlog', () => {
    const devNull = openSync('/dev/null', 'w');
    fds.push(devNull);
    const destination = new LogDestination(devNull);
    expect(destination.write('x'.repeat(9 << 20))).toBe(true);
    expect(destination.dropped).toBe(0);
  });

  for (const [mode, flags] of [
    ['blocking', constants.O_WRONLY],
    ['non-blocking', constants.O_WRONLY | constants.O_NONBLOCK],
  ] as const) {
    it(`a ${mode} pipe whose reader closed: writing stops for good, lines are counted`, async () => {
      const { reader, writer } = fifo(flags);
      closeSync(reader);
      const destination = new LogDestination(writer);
      for (let i = 0; i < 5; i++) expect(destination.write(line(i))).toBe(true);
      await destination.drain(30_000);
      expect(destination.closed).toBe(true);
      expect(destination.write(line(5))).toBe(true);
      expect(destination.dropped).toBe(6);
    });

    it(`a ${mode} pipe that is full: writes return at once, and a late reader gets every line in order`, async () => {
      const { reader, writer } = fifo(flags);
      fds.push(reader);
      const destination = new LogDestination(writer);
      // Far more than a pipe holds (64 KiB), written before anyone reads: the rest waits in the
      // destination (or its thread-pool write), not in write().
      const lines = 2000;
      for (let i = 0; i < lines; i++) destination.write(line(i).padEnd(200, ' '));
      const got = await readUntilIdle(reader, destination);
      const numbers = [...got.matchAll(/"line (\d+)"/g)].map((m) => Number(m[1]));
      expect(numbers).toEqual(Array.from({ length: lines }, (_, i) => i));
      expect(destination.dropped).toBe(0);
    });
  }
});

/** Reads the FIFO (non-blocking) until the destination has nothing left to write. */
async function readUntilIdle(fd: number, destination: LogDestination): Promise<string> {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(1 << 16);
  let idle = false;
  void destination.drain(60_000).then(() => {
    idle = true;
  });
  for (;;) {
    // Read before looking at `idle` again: an empty pipe then means everything has been read.
    const wasIdle = idle;
    const n = readAvailable(fd, buffer);
    if (n > 0) chunks.push(Buffer.from(buffer.subarray(0, n)));
    else if (wasIdle) return Buffer.concat(chunks).toString('utf8');
    else await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function readAvailable(fd: number, buffer: Buffer): number {
  try {
    return readSync(fd, buffer);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return 0;
    throw error;
  }
}
