import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteBackend } from '../../src/backends/sqlite/sqlite-backend.ts';
import type { ChunkProgress } from '../../src/backends/workflow-store.ts';

const dirs: string[] = [];
const opened: SqliteBackend[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((backend) => backend.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openPair(): [SqliteBackend, SqliteBackend] {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-progress-'));
  dirs.push(dir);
  const path = join(dir, 'results.db');
  const pair: [SqliteBackend, SqliteBackend] = [
    new SqliteBackend({ path }),
    new SqliteBackend({ path }),
  ];
  opened.push(...pair);
  return pair;
}

function progressAt(step: number, processed = step): ChunkProgress {
  return { step, cursor: step, processed, done: false, updatedAt: step };
}

describe('SqliteBackend progress', () => {
  it('lets exactly one of two connections on one file commit the same step', async () => {
    const [one, two] = openPair();
    const key = 'chunked:t:run';
    await one.commitProgress(key, 0, progressAt(1), 60_000);
    for (let step = 1; step <= 20; step++) {
      const outcomes = await Promise.all([
        one.commitProgress(key, step, progressAt(step + 1, 1), 60_000),
        two.commitProgress(key, step, progressAt(step + 1, 2), 60_000),
      ]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
    }
    expect((await two.readProgress(key))?.step).toBe(21);
    expect((await one.readProgress(key))?.step).toBe(21);
  });

  it('keeps the cursor type: a number, an ISO string and null come back as stored', async () => {
    const [backend] = openPair();
    const cursors = [null, 42, '2024-05-01T00:00:00.000Z'] as const;
    for (const [i, cursor] of cursors.entries()) {
      await backend.commitProgress(`k${i}`, 0, { ...progressAt(1), cursor }, 0);
      expect((await backend.readProgress(`k${i}`))?.cursor).toStrictEqual(cursor);
    }
  });
});
