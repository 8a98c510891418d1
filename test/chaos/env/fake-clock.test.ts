import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeClock, fakeClockUnavailable } from '../../../chaos/env/fake-clock.ts';

const run = promisify(execFile);
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// A child that reports its wall clock, then whether a 50 ms timer and a 10 ms interval fired.
const PROBE = `
const wall = Date.now();
let ticks = 0;
const interval = setInterval(() => ticks++, 10);
setTimeout(() => {
  clearInterval(interval);
  console.log(JSON.stringify({ wall, ticks, fired: true }));
}, 50);`;

describe('createFakeClock', () => {
  it('moves Date.now() of a Node process by its offset, and keeps its timers working', async (ctx) => {
    const reason = fakeClockUnavailable();
    if (reason) {
      if (process.env.CI === 'true') throw new Error(`CI=true: ${reason}`);
      return ctx.skip(reason);
    }
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-fake-clock-'));
    dirs.push(dir);
    const clock = createFakeClock(dir);
    clock.setOffset(3_600);
    const before = Date.now();
    const { stdout } = await run(process.execPath, ['-e', PROBE], {
      env: { ...process.env, ...clock.env },
    });
    const probe = JSON.parse(stdout) as { wall: number; ticks: number; fired: boolean };
    // An hour ahead of this process's clock, which libfaketime does not touch.
    expect(probe.wall - before).toBeGreaterThan(3_500_000);
    expect(Date.now() - before).toBeLessThan(3_500_000);
    // Timers run on the monotonic clock, left real: the timer fired after several interval ticks.
    expect(probe.fired).toBe(true);
    expect(probe.ticks).toBeGreaterThan(0);
  });
});
