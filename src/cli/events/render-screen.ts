import { TASK_EVENT_TYPES } from '../../events/cluster-event.ts';
import type { FailureRow, TallySnapshot, WorkerRow } from './event-tally.ts';
import { printable } from './format-event.ts';

/** What the view draws around the tally. */
export interface ScreenFrame {
  /** The broker, as shown to people (password hidden). */
  broker: string;
  /** Terminal width; every line fits it. */
  columns: number;
  /** Terminal height, when known: the workers table is cut to fit. */
  rows?: number;
}

/** With no event at all after this long, the view says how to get some. */
export const NO_EVENTS_HINT_AFTER_MS = 3000;
export const NO_EVENTS_HINT = 'no events yet: start workers with --events';
const TOP_FAILURES = 5;
const GAP = '  ';

/** The live view of `celeriac events` as lines, each at most `frame.columns` wide. */
export function renderScreen(snapshot: TallySnapshot, frame: ScreenFrame): string[] {
  const columns = Math.max(20, frame.columns);
  const top = [headerLine(snapshot, frame.broker)];
  if (snapshot.eventsSeen === 0 && snapshot.now - snapshot.startedAt >= NO_EVENTS_HINT_AFTER_MS)
    top.push(NO_EVENTS_HINT);
  const body = [
    ...top,
    '',
    ...stateLines(snapshot, columns),
    '',
    ...failureLines(snapshot.failures, columns),
    '',
  ];
  const room = frame.rows === undefined ? undefined : Math.max(1, frame.rows - body.length - 2);
  return [...body, ...workerLines(snapshot.workers, snapshot.now, columns, room)].map((line) =>
    clip(line, columns),
  );
}

function headerLine(snapshot: TallySnapshot, broker: string): string {
  const up = formatAge(snapshot.now - snapshot.startedAt);
  return `celeriac events · ${broker} · up ${up} · ${snapshot.eventsSeen} events · q to quit`;
}

/** Per state: tasks/s over the last interval and totals, wrapped into blocks that fit. */
function stateLines(snapshot: TallySnapshot, columns: number): string[] {
  const labels = ['TASKS', 'per sec', 'total'];
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const cells = TASK_EVENT_TYPES.map((type) => {
    const column = [
      type.slice('task:'.length),
      rate(snapshot.rates[type]),
      `${snapshot.totals[type]}`,
    ];
    const width = Math.max(...column.map((c) => c.length));
    return column.map((c) => c.padStart(width));
  });
  const lines: string[] = [];
  let block: string[][] = [];
  let used = labelWidth;
  const flush = () => {
    if (block.length === 0) return;
    labels.forEach((label, i) => {
      lines.push([label.padEnd(labelWidth), ...block.map((c) => c[i])].join(GAP));
    });
    block = [];
    used = labelWidth;
  };
  for (const cell of cells) {
    const width = GAP.length + (cell[0]?.length ?? 0);
    if (block.length > 0 && used + width > columns) flush();
    block.push(cell);
    used += width;
  }
  flush();
  return lines;
}

function failureLines(failures: FailureRow[], columns: number): string[] {
  if (failures.length === 0) return ['FAILURES  none'];
  const shown = failures.slice(0, TOP_FAILURES);
  const rows = shown.map((f) => [
    `${f.count}`,
    printable(f.task),
    printable(f.exception),
    printable(f.lastMessage),
  ]);
  const header = ['count', 'task', 'exception', 'last message'];
  const lines = table(header, rows, columns, { right: [0], shrink: [3, 1, 2] });
  const more = failures.length - shown.length;
  return [
    `FAILURES  top ${shown.length} of ${failures.length}`,
    ...lines,
    ...(more > 0 ? [`… ${more} more`] : []),
  ];
}

function workerLines(
  workers: WorkerRow[],
  now: number,
  columns: number,
  room: number | undefined,
): string[] {
  if (workers.length === 0) return ['WORKERS  none seen'];
  const fits =
    room === undefined || workers.length <= room ? workers.length : Math.max(0, room - 1);
  const online = workers.filter((w) => w.status === 'online').length;
  const rows = workers
    .slice(0, fits)
    .map((w) => [
      printable(w.name),
      printable(w.queues.join(',')),
      `${w.active}/${w.concurrency}`,
      `${w.processed}`,
      `${formatAge(now - w.lastHeartbeatAt)} ago`,
      w.status,
    ]);
  const header = ['name', 'queues', 'active', 'processed', 'heartbeat', 'status'];
  const more = workers.length - fits;
  return [
    `WORKERS  ${online} online of ${workers.length}`,
    ...table(header, rows, columns, { right: [2, 3, 4], shrink: [1, 0] }),
    ...(more > 0 ? [`… ${more} more workers`] : []),
  ];
}

/**
 * An aligned table; when wider than `columns`, the `shrink` columns give up width in that
 * order, down to a few characters each (their cells end with `…`).
 */
function table(
  header: string[],
  rows: string[][],
  columns: number,
  options: { right: number[]; shrink: number[] },
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const total = () => widths.reduce((sum, w) => sum + w, 0) + GAP.length * (widths.length - 1);
  for (const i of options.shrink) {
    const over = total() - columns;
    if (over <= 0) break;
    const min = Math.min(widths[i] ?? 0, 6);
    widths[i] = Math.max(min, (widths[i] ?? 0) - over);
  }
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        const text = clip(cell, width);
        return options.right.includes(i) ? text.padStart(width) : text.padEnd(width);
      })
      .join(GAP)
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** `text` cut to `width` characters, ending with `…` when cut. */
export function clip(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width <= 1) return text.slice(0, width);
  return `${text.slice(0, width - 1)}…`;
}

/** A rate with one decimal below 100/s, whole above. */
function rate(perSecond: number): string {
  return perSecond >= 100 ? `${Math.round(perSecond)}` : perSecond.toFixed(1);
}

/** `4s`, `1m05s`, `2h03m`, `3d04h`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${two(Math.floor(s / 3600) % 24)}h`;
}
