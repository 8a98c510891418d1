// The task module of the cold-start figures, plain JavaScript as a user without a build step
// writes it. The runner copies it into a temporary project whose node_modules/celeriac points at
// this repository, so `celeriac` resolves through package.json "exports" to dist/.
import { createApp } from 'celeriac';

export const app = createApp({ broker: process.env.BENCH_BROKER_URL, ignoreResult: true });

app.task('bench.noop', () => {});
