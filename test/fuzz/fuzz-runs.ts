/**
 * How many cases each property runs: a few hundred in `npm test`, the full count when
 * `npm run chaos` (or a user) sets CELERIAC_FUZZ_RUNS, e.g. 10000.
 */
export const FUZZ_RUNS = readRuns(process.env.CELERIAC_FUZZ_RUNS, 300);

/** A property's own, smaller count (for cases that cost a server round trip), scaled alike. */
export function fuzzRuns(fraction = 1): number {
  return Math.max(20, Math.round(FUZZ_RUNS * fraction));
}

function readRuns(text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const runs = Number(text);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`CELERIAC_FUZZ_RUNS must be a positive integer, got "${text}"`);
  }
  return runs;
}
