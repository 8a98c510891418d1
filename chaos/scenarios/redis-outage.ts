import { openBrokerEnv } from '../harness/broker-env.ts';
import type { Fault } from '../harness/checker.ts';
import { finish } from '../harness/finish.ts';
import { openLedger } from '../harness/ledger.ts';
import { type ChaosProcess, killAll, startWorker } from '../harness/processes.ts';
import { type BatchSpec, LedgerProducer } from '../harness/producer.ts';
import { stopGracefully } from '../harness/stop.ts';
import type { ChaosReport, ChaosScale, ChaosScenario } from '../scenario.ts';
import { TASKS } from './worker-kill-cycles.ts';

const NAME = 'redis outage longer than the publish timeout';
const QUEUE = 'chaos';
const PUBLISH_TIMEOUT_MS = 1500;
/** How late past the publish timeout a rejection may come: one retry step and a reconnect. */
const REJECT_SLACK_MS = 1000;
const CLEAR_ERROR = new RegExp(
  `could not publish to Redis at 127\\.0\\.0\\.1:\\d+ within ${PUBLISH_TIMEOUT_MS} ms`,
);
const SCALE = { short: { downMs: 4000 }, full: { downMs: 8000 } } as const;
const WORK: BatchSpec = { task: 'chaos.work', queue: QUEUE, args: () => [5] };

/**
 * Redis down for longer than the producer's publish timeout: every `delay()` either rejects
 * within the timeout with an error naming the server, or resolved and its task runs; the
 * workers consume again once Redis is back.
 */
export const redisOutage: ChaosScenario = {
  name: NAME,
  brokers: ['redis'],
  run: (_broker, scale) => runOutage(scale),
};

async function runOutage(scale: ChaosScale): Promise<ChaosReport> {
  const { downMs } = SCALE[scale];
  const env = await openBrokerEnv('redis', { publishTimeoutMs: PUBLISH_TIMEOUT_MS });
  const redis = env.redis;
  if (!redis) throw new Error('the outage scenario needs the suite’s own redis-server');
  const spec = { app: TASKS, queues: [QUEUE], concurrency: 8, lease: '2s' };
  const workers: ChaosProcess[] = [];
  try {
    workers.push(...(await Promise.all([0, 1].map(() => startWorker(spec, env.env)))));
    const producer = new LedgerProducer(env.app, openLedger(env.ledgerDir, 'producer'), 'o');
    await producer.sendBatch(WORK, 50);
    const at = Date.now();
    await redis.kill();
    const sends = sendThrough(producer, at + downMs);
    const during = await sends;
    const violations = judgeSends(during);
    await redis.restart();
    const endedAt = Date.now();
    await producer.sendBatch(WORK, 50);
    const fault: Fault = {
      what: `redis down ${downMs} ms`,
      at,
      endedAt,
      pids: workers.map((w) => w.pid),
      inFlight: 16,
    };
    const report = await finish(env, {
      scenario: NAME,
      queues: [QUEUE],
      faults: [fault],
      violations,
    });
    report.notes = [outageNote(during)];
    if (report.recoverMs === undefined) report.violations.push('no task ran after Redis came back');
    report.violations.push(...(await stopGracefully(workers)));
    return report;
  } finally {
    await killAll(workers);
    await env.close();
  }
}

/** Result of one `delay()` made while Redis was down. */
type Send = Awaited<ReturnType<LedgerProducer['sendOne']>>;

/** Calls `delay()` one after another until `until`, recording each outcome. */
async function sendThrough(producer: LedgerProducer, until: number): Promise<Send[]> {
  const sends: Send[] = [];
  while (Date.now() < until) sends.push(await producer.sendOne(WORK));
  return sends;
}

/** Rejections must come within the timeout and say what failed; no send may hang. */
function judgeSends(sends: Send[]): string[] {
  const violations: string[] = [];
  const rejected = sends.filter((s) => s.error);
  if (rejected.length === 0) violations.push('no delay() rejected while Redis was down');
  const late = rejected.filter((s) => s.elapsedMs > PUBLISH_TIMEOUT_MS + REJECT_SLACK_MS);
  if (late.length > 0) {
    const worst = Math.max(...late.map((s) => s.elapsedMs));
    violations.push(
      `${late.length} delay() calls rejected late, the worst after ${worst} ms (timeout ${PUBLISH_TIMEOUT_MS} ms)`,
    );
  }
  const unclear = rejected.filter((s) => !CLEAR_ERROR.test(s.error?.message ?? ''));
  if (unclear.length > 0)
    violations.push(
      `${unclear.length} rejections without a clear error, e.g. "${unclear[0]?.error?.message}"`,
    );
  return violations;
}

/** How the sends made during the outage ended. */
function outageNote(sends: Send[]): string {
  const rejected = sends.filter((s) => s.error);
  const worst = Math.max(0, ...rejected.map((s) => s.elapsedMs));
  return `${sends.length} delay() calls during the outage: ${rejected.length} rejected (slowest after ${worst} ms, timeout ${PUBLISH_TIMEOUT_MS} ms), ${sends.length - rejected.length} accepted`;
}
