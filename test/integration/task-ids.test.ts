import { describe, expect, it } from 'vitest';
import { BROKERS_WITH_REDIS, counts, harness } from './harness.ts';

// The Redis broker refused a message with an empty id while the memory and SQLite brokers
// stored and ran it: every broker now gets the same refusal at send, naming task and option.
describe.each(BROKERS_WITH_REDIS)('custom task ids on the %s broker', (kind) => {
  const h = harness(kind);

  it('refuses an empty id at send and stores nothing; a non-empty one is kept', async () => {
    const app = h.app();
    const report = app.task('reports.build', () => 'built');

    await expect(report.applyAsync([], { id: '' })).rejects.toThrow(
      'option "id" of a "reports.build" message must be a non-empty string, got ""',
    );
    await expect(report.s().set({ id: '' }).delay()).rejects.toThrow(
      'option "id" of a "reports.build" message must be a non-empty string, got ""',
    );
    expect(await counts(app)).toEqual({ ready: 0, reserved: 0, delayed: 0, dead: 0 });

    const kept = await report.applyAsync([], { id: 'report-7' });
    expect(kept.id).toBe('report-7');
    expect(await counts(app)).toMatchObject({ ready: 1 });
  });
});
