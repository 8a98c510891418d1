// Extract → transform → load as a chain: each step is a task, each result feeds the next, and
// a failure stops the chain and runs its error callback. Extraction fans out as a group; the
// group followed by the next step is a chord, so transform runs once, with every page.
import { createApp, type TaskFailureInfo } from '../../src/index.ts';

const DB = 'sqlite://.celeriac/etl/celeriac.db';

export const app = createApp({ broker: DB, backend: DB });

/** A sale as the source system reports it. */
export interface Sale {
  id: number;
  region: string;
  cents: number;
}

/** Extract: one page of the source (here generated, as a real one would come from an API). */
export const extractPage = app.task('etl.extract_page', (_ctx, page: number) =>
  Array.from({ length: 5 }, (_, i): Sale => {
    const id = page * 5 + i;
    return { id, region: ['north', 'south', 'east'][id % 3] as string, cents: 100 + id * 7 };
  }),
);

/** Transform: totals per region, from every page in order. */
export const totalByRegion = app.task('etl.total_by_region', (_ctx, pages: Sale[][]) => {
  const totals: Record<string, number> = {};
  for (const sale of pages.flat()) totals[sale.region] = (totals[sale.region] ?? 0) + sale.cents;
  return totals;
});

/** Load: write the totals to the warehouse table (here the log) and say how many rows. */
export const loadTotals = app.task(
  'etl.load_totals',
  (ctx, totals: Record<string, number>, table: string) => {
    for (const [region, cents] of Object.entries(totals))
      ctx.log.info({ table, region, cents }, 'row loaded');
    return { table, rows: Object.keys(totals).length };
  },
);

/** The chain's error callback: where a real pipeline would page someone. */
export const reportFailure = app.task('etl.report_failure', (ctx, failure: TaskFailureInfo) => {
  ctx.log.error({ task: failure.task, error: failure.error.message }, 'ETL run failed');
});
