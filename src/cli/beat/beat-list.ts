import type { App } from '../../app/app.ts';

/** One row of `celeriac beat list`. */
export interface EntryRow {
  name: string;
  source: 'code' | 'store';
  schedule: string;
  task: string;
  /** ISO time of the next tick after now, or null. */
  nextRun: string | null;
  /** ISO time of the last tick fired, or null. */
  lastRun: string | null;
}

/** The group's entries with their next and last run; last runs need the broker's BeatStore. */
export async function listEntries(app: App, group: string, now: number): Promise<EntryRow[]> {
  const beat = app.beat.inGroup(group);
  const entries = await beat.list();
  const store = app.coordination.beat;
  const last = store ? await store.lastTicks(group) : new Map<string, number>();
  return entries.map((entry) => {
    const next = entry.schedule.next(now);
    const lastTick = last.get(entry.name);
    return {
      name: entry.name,
      source: entry.source,
      schedule: entry.schedule.describe(),
      task: entry.node.kind === 'task' ? entry.node.task : entry.node.kind,
      nextRun: next === undefined ? null : new Date(next).toISOString(),
      lastRun: lastTick === undefined ? null : new Date(lastTick).toISOString(),
    };
  });
}

/** A plain aligned table, one entry a row. */
export function formatEntries(rows: EntryRow[]): string {
  if (rows.length === 0) return 'no entries\n';
  const header = ['name', 'schedule', 'task', 'next run', 'last run', 'source'];
  const cells = rows.map((r) => [
    r.name,
    r.schedule,
    r.task,
    r.nextRun ?? '-',
    r.lastRun ?? '-',
    r.source,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...cells.map(line)].join('\n')}\n`;
}
