import type { Command } from 'commander';
import { loadApp } from '../load-app.ts';
import { logLevelOption, port } from '../parse-options.ts';
import { drainLogs, ignoreStdioWriteErrors, logSafely } from '../quiet-output.ts';

interface ExporterFlags {
  app?: string;
  broker?: string;
  port: number;
  host: string;
  loglevel?: string;
}

/** `celeriac exporter`: cluster-wide Prometheus metrics until SIGTERM/SIGINT. */
export function registerExporter(program: Command): void {
  program
    .command('exporter')
    .description(
      'serve cluster-wide Prometheus metrics on /metrics, with /healthz and /readyz (docs/metrics.md)',
    )
    .option('-A, --app <module>', 'task module that exports the app')
    .option(
      '-b, --broker <url>',
      'broker URL (default: CELERIAC_BROKER_URL or the embedded SQLite file)',
    )
    .option('--port <port>', 'port to serve on; 0 picks a free one', port, 9808)
    .option('--host <host>', 'interface to serve on', '0.0.0.0')
    .addOption(logLevelOption())
    .addHelpText(
      'after',
      '\nTask metrics come from the events of workers started with --events; queue depths and\n' +
        'workers are read from the broker when scraped.',
    )
    .action(async (flags: ExporterFlags) => runExporter(flags));
}

async function runExporter(flags: ExporterFlags): Promise<void> {
  ignoreStdioWriteErrors();
  // A long-running service logs at info like a worker, where the bare app of one-shot commands
  // logs only warnings; a task module's config or CELERIAC_LOG_LEVEL still decides.
  const levelSet = flags.app !== undefined || process.env.CELERIAC_LOG_LEVEL !== undefined;
  const app = await loadApp({
    ...flags,
    loglevel: flags.loglevel ?? (levelSet ? undefined : 'info'),
  });
  const { startExporter } = await import('../../metrics/exporter.ts');
  const exporter = await startExporter(app, { port: flags.port, host: flags.host }).catch(
    async (error: unknown) => {
      await app.close();
      throw error;
    },
  );
  app.log.info({ url: exporter.server.url }, `metrics on ${exporter.server.url}`);
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  const signal = await stopped;
  const closing = exporter.close();
  logSafely(() => app.log.info({ signal }, 'exporter stopping'));
  await closing;
  await app.close();
  await drainLogs();
}
