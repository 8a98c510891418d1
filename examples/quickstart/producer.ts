// Sends the README's task; run a worker with `npx celeriac worker -A examples/quickstart/tasks.ts -Q emails`.
import { sendWelcome } from './tasks.ts';

const result = await sendWelcome.delay(42);
await sendWelcome.applyAsync([42], { countdown: '10m', expires: '1h', priority: 9 });
const outcome: { userId: number; sent: boolean } = await result.get({ timeout: '30s' });
console.log(outcome.sent);
