import type { ControlReply, WorkerCommand } from '../../control/control-protocol.ts';

type Row = Record<string, unknown>;

/** Replies as one JSON object keyed by worker: `{ "w1@h": data | { error } }`. */
export function repliesAsJson(replies: ControlReply[]): string {
  const out: Record<string, unknown> = {};
  for (const r of replies) out[r.worker] = r.ok ? r.data : { error: r.error };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** Replies as text, Celery's way: a `-> worker: …` line each, details indented under it. */
export function repliesAsText(
  command: WorkerCommand,
  replies: ControlReply[],
  now = Date.now(),
): string {
  const lines: string[] = [];
  for (const reply of replies) {
    if (!reply.ok) {
      lines.push(`-> ${reply.worker}: ERROR ${reply.error}`);
      continue;
    }
    lines.push(...describe(command, reply.worker, reply.data, now));
  }
  const n = replies.length;
  lines.push('', `${n} ${n === 1 ? 'node' : 'nodes'} replied.`);
  return `${lines.join('\n')}\n`;
}

function describe(command: WorkerCommand, worker: string, data: unknown, now: number): string[] {
  if (Array.isArray(data)) {
    const items = data.map((item) => `    * ${describeItem(command, item, now)}`);
    return [`-> ${worker}: OK${items.length === 0 ? ' - empty -' : ''}`, ...items];
  }
  if (typeof data === 'string') return [`-> ${worker}: ${data}`];
  const text = JSON.stringify(data, null, 2).replace(/\n/g, '\n    ');
  return [`-> ${worker}: OK`, `    ${text}`];
}

function describeItem(command: WorkerCommand, item: unknown, now: number): string {
  if (typeof item === 'string') return item;
  const row = item as Row;
  if (command === 'registered') {
    const { name, ...options } = row;
    const extra = Object.entries(options).map(([k, v]) => `${k}=${String(v)}`);
    return extra.length > 0 ? `${String(name)} [${extra.join(' ')}]` : String(name);
  }
  const head = `${String(row.task)}[${String(row.id)}] args=${String(row.args ?? '')}`;
  if (command === 'scheduled') return `${head} eta=${String(row.eta)}`;
  const since = typeof row.startedAt === 'number' ? row.startedAt : row.receivedAt;
  const verb = typeof row.startedAt === 'number' ? 'started' : 'received';
  const ago = typeof since === 'number' ? ` ${verb} ${((now - since) / 1000).toFixed(1)}s ago` : '';
  return `${head}${ago}`;
}
