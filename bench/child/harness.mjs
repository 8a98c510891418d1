// The worker children's side of the IPC protocol (bench/child/protocol.ts), in plain JavaScript
// so that one implementation serves both kinds of child: the tsx children (bench/*/worker.ts)
// and the plain-node ones (bench/*/plain-worker.mjs) that the RSS figures measure as a user
// runs them. Its types are in harness.d.mts.

const PROGRESS_MS = 100;

/** Wall-clock ms with sub-ms precision; the same clock as `now()` in protocol.ts. */
function now() {
  return performance.timeOrigin + performance.now();
}

/** @param {import('./protocol.ts').ChildMessage} message */
function send(message) {
  return new Promise((resolve, reject) => {
    if (!process.send) return reject(new Error('worker child needs an IPC channel'));
    process.send(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Runs a worker child: ready → (go) consume → (stop) final report → exit.
 * @param {import('./harness.d.mts').ChildSetup} setup
 */
export async function runWorkerChild(setup) {
  const raw = process.env.BENCH_CHILD;
  if (!raw) throw new Error('BENCH_CHILD is not set: this script is spawned by bench/run.ts');
  /** @type {import('./protocol.ts').ChildConfig} */
  const config = JSON.parse(raw);
  const seen = new Uint8Array(config.tasks);
  const marks = new Set(config.rssMarks);
  /** @type {import('./protocol.ts').ChildReport} */
  const report = {
    done: 0,
    handled: 0,
    duplicates: 0,
    outOfRange: 0,
    warmups: 0,
    failures: 0,
    firstFailure: undefined,
    indexSum: 0,
    startedAt: 0,
    lastDoneAt: 0,
    samples: [],
    rss: [],
  };
  /** @type {import('./harness.d.mts').ChildHooks} */
  const hooks = {
    handle(data) {
      const at = now();
      const i = data.i;
      if (i < 0) {
        report.warmups++;
        return;
      }
      if (!(i < config.tasks)) {
        report.outOfRange++;
        return;
      }
      if (seen[i] === 1) {
        report.duplicates++;
        return;
      }
      seen[i] = 1;
      report.handled++;
      report.indexSum += i;
      const sent = data.t ?? Number.NaN;
      if (config.mode === 'latency') report.samples.push(at - sent);
      else if (config.mode === 'delay') report.samples.push(at - (sent + config.delayMs));
    },
    done() {
      report.done++;
      report.lastDoneAt = now();
      if (marks.has(report.done)) report.rss.push(process.memoryUsage.rss());
    },
    failed(reason) {
      report.failures++;
      report.firstFailure ??= reason;
    },
  };

  const worker = await setup(config, hooks);
  /** @type {NodeJS.Timeout | undefined} */
  let progress;
  let lastSent = -1;
  /** @param {unknown} error */
  const fail = (error) => {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    // The parent turns this into a failed benchmark; exit non-zero even if the send fails.
    void send({ type: 'error', message }).finally(() => process.exit(1));
  };
  process.on('message', (/** @type {import('./protocol.ts').ParentMessage} */ message) => {
    if (message.type === 'go') {
      report.startedAt = now();
      worker.start().catch(fail);
      progress = setInterval(() => {
        if (report.done === lastSent) return;
        lastSent = report.done;
        send({ type: 'progress', done: report.done }).catch(fail);
      }, PROGRESS_MS);
    } else if (message.type === 'stop') {
      clearInterval(progress);
      worker
        .stop()
        .then(() => send({ type: 'final', report }))
        .then(() => process.exit(0), fail);
    }
  });
  // An orphaned child (the parent died) must not keep consuming.
  process.on('disconnect', () => process.exit(2));
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  await send({ type: 'ready' });
}
