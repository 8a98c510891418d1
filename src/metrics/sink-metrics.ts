import { Counter, type Registry } from 'prom-client';
import type { AppEvents } from '../events/app-events.ts';

type SinkCount = 'written' | 'dropped' | 'errors';

/**
 * What each event sink of this process did, read from its dispatcher when scraped: events
 * written, events dropped (buffer full, failed batch, left at close) and failed writes.
 */
export function registerSinkMetrics(registry: Registry, events: AppEvents): void {
  const counter = (name: string, help: string, count: SinkCount) =>
    new Counter({
      name,
      help,
      labelNames: ['sink'],
      registers: [registry],
      collect() {
        this.reset();
        for (const stats of events.sinkStats()) this.inc({ sink: stats.sink }, stats[count]);
      },
    });
  counter('celeriac_event_sink_written_total', 'Events an event sink stored.', 'written');
  counter(
    'celeriac_event_sink_dropped_total',
    'Events an event sink lost: its buffer was full, its write failed, or it was closing.',
    'dropped',
  );
  counter('celeriac_event_sink_errors_total', 'Writes of an event sink that failed.', 'errors');
}
